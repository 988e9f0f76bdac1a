import Foundation
import GANCore
import GANImageIO

/// What a `ModelFolder` needs of a family's `manifest.json` record.
public protocol ModelManifest: Codable {
    /// The format tag this code writes and reads (`gankit-pix2pix-model/1`...).
    static var currentFormat: String { get }
    /// The format tag of this record.
    var format: String { get }
    /// The generator's weights file, a plain name inside the folder.
    var generatorFile: String { get }
    /// Why the record cannot be used (networks, kind, class names...), or nil. Checked after the format tag.
    var problem: String? { get }
}

/// A shippable model folder, as the pix2pix, inpainting and label-GAN families write it: `manifest.json` beside the
/// generator's safetensors file, the whole folder built hidden and renamed into place, so a reader never sees half a
/// model.
public struct ModelFolder: Sendable {
    /// The folder.
    public let directory: String

    /// The model folder at `directory`.
    public init(_ directory: String) { self.directory = directory }

    /// `<directory>/manifest.json`.
    public var manifestPath: String { directory + "/manifest.json" }

    /// Whether the folder holds a manifest.
    public var hasManifest: Bool { FileManager.default.fileExists(atPath: manifestPath) }

    /// Reads and checks `manifest.json`.
    /// - Throws: `TrainingFolderError.missingState` (no manifest) or `.badState` naming the file.
    public func readManifest<Manifest: ModelManifest>() throws(TrainingFolderError) -> Manifest {
        guard hasManifest else { throw .missingState(path: directory) }
        let bytes: [UInt8]
        do { bytes = try FileAccess.readAll(manifestPath) } catch { throw .badState(path: manifestPath, detail: "\(error)") }
        return try Self.decodeManifest(bytes: bytes, path: manifestPath)
    }

    /// Decodes and checks the bytes of a `manifest.json`: its format tag, a generator file inside the folder, and the
    /// family's own checks; `path` names it in errors.
    /// - Throws: `TrainingFolderError.badState`.
    public static func decodeManifest<Manifest: ModelManifest>(bytes: [UInt8], path: String = "<memory>") throws(TrainingFolderError) -> Manifest {
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(bytes)) } catch { throw .badState(path: path, detail: "\(error)") }
        guard manifest.format == Manifest.currentFormat else {
            throw .badState(path: path, detail: "format \(manifest.format), expected \(Manifest.currentFormat)")
        }
        if let problem = manifest.problem { throw .badState(path: path, detail: problem) }
        if manifest.generatorFile.contains("/") || manifest.generatorFile.hasPrefix(".") {
            throw .badState(path: path, detail: "generator file \(manifest.generatorFile) must be a plain name inside the folder")
        }
        return manifest
    }

    /// The generator's weights file of `manifest`.
    public func generatorPath(of manifest: some ModelManifest) -> String { directory + "/" + manifest.generatorFile }

    /// Writes the folder whole: the generator's weights (as `dtype`, with the format tag and `metadata` in the header)
    /// and the manifest (sorted keys), built hidden beside it and renamed over it.
    /// - Throws: `TrainingFolderError.cannotWriteModel` naming the folder.
    public func write<Manifest: ModelManifest>(_ manifest: Manifest, generator: StateDict, as dtype: WeightDType = .f32,
                                               metadata: [String: String] = [:]) throws(TrainingFolderError) {
        do {
            try FileAccess.replaceFolder(directory) { partial in
                try SafeTensors.write(generator, to: "\(partial)/\(manifest.generatorFile)", as: dtype,
                                      metadata: metadata.merging(["format": Manifest.currentFormat]) { _, tag in tag })
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try FileAccess.writeAtomically(Array(encoder.encode(manifest)), to: "\(partial)/manifest.json")
            }
        } catch {
            throw .cannotWriteModel(path: directory, detail: "\(error)")
        }
    }
}
