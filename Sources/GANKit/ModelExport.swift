import Foundation
import GANConditional
import GANCore
import GANInpainting

/// Turns a training run into a model folder of the models folder (`gantool export`): only what inference needs
/// (the generator, F32 or F16, and a manifest), under the model's name.
public enum ModelExport {
    /// Problems exporting.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The folder is neither a label-GAN checkpoint, a pix2pix run or model folder, nor an inpainting run, checkpoint
        /// or model folder.
        case unknownRun(String)
        /// The destination already holds a model and overwriting was not asked for.
        case exists(String)
        /// Reading the run or writing the model failed.
        case failed(String)

        /// A one-line message naming the folder.
        public var description: String {
            switch self {
            case let .unknownRun(path): "\(path): not a label-GAN checkpoint (state.json), a pix2pix or inpainting run or model folder (model/manifest.json), nor an inpainting checkpoint"
            case let .exists(path): "\(path) already holds a model: pass --force to replace it"
            case let .failed(detail): detail
            }
        }
    }

    /// Exports `run` as `models`/`name`; returns the model folder and its kind (`label-gan`, `pix2pix` or `inpaint`).
    /// - Throws: `Failure`.
    public static func export(run: String, name: String, models: String? = nil, halfPrecision: Bool = false, overwrite: Bool = false,
                              classNames: [String] = []) throws(Failure) -> (folder: String, kind: String) {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { throw .failed("the model name must be a plain folder name, got '\(name)'") }
        let folder = "\(TranslationModels.folder(explicit: models))/\(name)"
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(folder)/manifest.json") && !overwrite { throw .exists(folder) }
        if fm.fileExists(atPath: "\(run)/state.json"), (try? ConditionalGANTrainer.readState(from: run)) != nil {
            do {
                try LabelGANModel.export(checkpoint: run, to: folder, name: name, classNames: classNames, halfPrecision: halfPrecision, overwrite: overwrite)
            } catch { throw .failed(error.description) }
            return (folder, "label-gan")
        }
        for source in ["\(run)/model", run] where (try? InpaintingModel.readManifest(folder: source)) != nil {
            try copyInpaint(from: source, to: folder, name: name, halfPrecision: halfPrecision)
            return (folder, "inpaint")
        }
        if fm.fileExists(atPath: "\(run)/state.json"), (try? InpaintingTrainer.readState(from: run)) != nil {
            try copyInpaint(from: run, to: folder, name: name, halfPrecision: halfPrecision)
            return (folder, "inpaint")
        }
        for source in ["\(run)/model", run] where (try? Pix2PixModel.readManifest(folder: source)) != nil {
            try copyPix2Pix(from: source, to: folder, name: name, halfPrecision: halfPrecision)
            return (folder, "pix2pix")
        }
        throw .unknownRun(run)
    }

    /// Writes an inpainting model folder (`gankit-inpaint/1`) from a model folder or a training checkpoint folder,
    /// under a new name.
    private static func copyInpaint(from source: String, to folder: String, name: String, halfPrecision: Bool) throws(Failure) {
        var manifest: InpaintingManifest
        do { manifest = try InpaintingModel(folder: source).manifest } catch { throw .failed(error.description) }
        let weights = "\(source)/\(manifest.generatorFile)"
        manifest.name = name
        manifest.generatorFile = "generator.safetensors"
        try writeModel(manifest, weights: weights, generatorFile: manifest.generatorFile, format: InpaintingManifest.currentFormat,
                       steps: manifest.trainingSteps, to: folder, halfPrecision: halfPrecision)
    }

    /// Copies a pix2pix model folder under a new name.
    private static func copyPix2Pix(from source: String, to folder: String, name: String, halfPrecision: Bool) throws(Failure) {
        var manifest: Pix2PixManifest
        do { manifest = try Pix2PixModel.readManifest(folder: source) } catch { throw .failed(error.description) }
        manifest.name = name
        try writeModel(manifest, weights: "\(source)/\(manifest.generatorFile)", generatorFile: manifest.generatorFile,
                       format: Pix2PixManifest.currentFormat, steps: manifest.trainingSteps, to: folder, halfPrecision: halfPrecision)
    }

    /// Writes `folder` (built hidden, then renamed into place): the weights of the file `weights` re-encoded as F32 or
    /// F16 into `generatorFile`, and `manifest` as `manifest.json`.
    private static func writeModel(_ manifest: some Encodable, weights: String, generatorFile: String, format: String, steps: Int,
                                   to folder: String, halfPrecision: Bool) throws(Failure) {
        let tensors: StateDict
        do { tensors = try StateDict(contentsOf: weights) } catch { throw .failed("\(weights): \(error)") }
        do {
            try FileAccess.replaceFolder(folder) { partial in
                try SafeTensors.write(tensors, to: "\(partial)/\(generatorFile)", as: halfPrecision ? .f16 : .f32,
                                      metadata: ["format": format, "step": "\(steps)"])
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try FileAccess.writeAtomically(Array(encoder.encode(manifest)), to: "\(partial)/manifest.json")
            }
        } catch { throw .failed("\(folder): \(error)") }
    }
}
