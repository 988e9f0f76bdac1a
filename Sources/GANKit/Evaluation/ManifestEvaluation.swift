import Foundation

/// Records evaluation reports in a model folder's `manifest.json`, so that a shipped model carries the
/// metrics measured on held-out data (`gantool eval ... --record`).
public enum ManifestEvaluation {
    /// Problems recording a report.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The folder has no readable JSON-object `manifest.json` (checkpoint folders have `state.json` instead).
        case noManifest(folder: String, detail: String)
        /// The report is not a JSON object.
        case badReport(String)
        /// The manifest cannot be written.
        case cannotWrite(path: String, detail: String)

        /// A one-line message naming the file.
        public var description: String {
            switch self {
            case let .noManifest(folder, detail): "\(folder): no model manifest to record into (\(detail)); export the model folder first"
            case let .badReport(detail): "the report is not a JSON object: \(detail)"
            case let .cannotWrite(path, detail): "\(path): cannot write: \(detail)"
            }
        }
    }

    /// Sets `evaluation.<key>` of `folder`/manifest.json to the JSON object `report` (with `measuredAt`, an ISO 8601
    /// date), keeping every other field; the manifest is rewritten atomically.
    /// - Throws: `Failure`.
    public static func record(_ report: Data, as key: String, in folder: String, date: Date = Date()) throws(Failure) {
        let path = "\(folder)/manifest.json"
        var manifest: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(try FileAccess.readAll(path))) as? [String: Any] else {
                throw Failure.noManifest(folder: folder, detail: "manifest.json is not a JSON object")
            }
            manifest = object
        } catch let failure as Failure { throw failure } catch { throw .noManifest(folder: folder, detail: "\(error)") }
        guard var entry = (try? JSONSerialization.jsonObject(with: report)) as? [String: Any] else { throw .badReport(String(decoding: report.prefix(80), as: UTF8.self)) }
        entry["measuredAt"] = ISO8601DateFormatter().string(from: date)
        var evaluation = manifest["evaluation"] as? [String: Any] ?? [:]
        evaluation[key] = entry
        manifest["evaluation"] = evaluation
        do {
            let bytes = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
            try FileAccess.writeAtomically(Array(bytes), to: path)
        } catch { throw .cannotWrite(path: path, detail: "\(error)") }
    }
}
