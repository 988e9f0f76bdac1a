import Foundation
import GANCore
import GANImageIO

/// What a `ClassifierFolder` needs of a judge's `classifier.json` record.
public protocol ClassifierRecord: Codable {
    /// The format tag this code writes and reads (`gankit-digit-classifier/1`...).
    static var currentFormat: String { get }
    /// The format tag of this record.
    var format: String { get }
}

/// A judge's folder, as `gantool eval train-classifier` and `train-domain-classifier` write it: `classifier.json`
/// (the record, NaN and infinities as strings) beside `classifier.safetensors`. The weights are written first, so a
/// folder whose record exists has its weights.
public struct ClassifierFolder: Sendable {
    /// A file of the folder that could not be read, decoded or written, and why.
    public struct Failure: Error, Sendable {
        /// The file.
        public let path: String
        /// What went wrong.
        public let detail: String
    }

    /// The folder.
    public let directory: String

    /// The classifier folder at `directory`.
    public init(_ directory: String) { self.directory = directory }

    /// `<directory>/classifier.json`.
    public var recordPath: String { directory + "/classifier.json" }
    /// `<directory>/classifier.safetensors`.
    public var weightsPath: String { directory + "/classifier.safetensors" }
    /// Whether the folder holds a record.
    public var exists: Bool { FileManager.default.fileExists(atPath: recordPath) }

    /// Writes the weights (with the format tag in their header), then the record (sorted keys, atomically).
    public func write<Record: ClassifierRecord>(_ record: Record, weights: StateDict) throws(Failure) {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw Failure(path: directory, detail: error.localizedDescription)
        }
        do { try SafeTensors.write(weights, to: weightsPath, metadata: ["format": Record.currentFormat]) } catch {
            throw Failure(path: weightsPath, detail: "\(error)")
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try FileAccess.writeAtomically(Array(encoder.encode(record)), to: recordPath)
        } catch { throw Failure(path: recordPath, detail: "\(error)") }
    }

    /// Reads the record and checks its format tag.
    public func readRecord<Record: ClassifierRecord>() throws(Failure) -> Record {
        let record: Record
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            record = try decoder.decode(Record.self, from: Data(FileAccess.readAll(recordPath)))
        } catch { throw Failure(path: recordPath, detail: "\(error)") }
        guard record.format == Record.currentFormat else {
            throw Failure(path: recordPath, detail: "format \(record.format), expected \(Record.currentFormat)")
        }
        return record
    }

    /// Loads the weights into `model` and puts it in evaluation mode.
    public func loadWeights(into model: Module) throws(Failure) {
        do { try model.load(SafeTensors.read(contentsOf: weightsPath).tensors) } catch { throw Failure(path: weightsPath, detail: "\(error)") }
        model.eval()
    }
}
