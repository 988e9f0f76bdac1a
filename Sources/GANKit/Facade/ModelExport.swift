import Foundation
import GANConditional
import GANCore
import GANInpainting
import GANTranslation

/// Turns a training run into a model folder of the models folder (`gantool export`): only what inference needs
/// (the generator, F32 or F16, and a manifest), under the model's name.
public enum ModelExport {
    /// Problems exporting.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The folder is neither a label-GAN checkpoint, a pix2pix run or model folder, an inpainting run, checkpoint
        /// or model folder, nor a translation run, model or checkpoint folder.
        case unknownRun(String)
        /// The destination already holds a model and overwriting was not asked for.
        case exists(String)
        /// Reading the run or writing the model failed.
        case failed(String)

        /// A one-line message naming the folder.
        public var description: String {
            switch self {
            case let .unknownRun(path): "\(path): not a label-GAN checkpoint (state.json), a pix2pix, inpainting or translation run or model folder (model/manifest.json), nor an inpainting or translation checkpoint"
            case let .exists(path): "\(path) already holds a model: pass --force to replace it"
            case let .failed(detail): detail
            }
        }
    }

    /// Exports `run` as `models`/`name`; returns the model folder and its kind (`label-gan`, `pix2pix`, `inpaint` or
    /// `translation`). `classNames` names a label GAN's classes, or a translation checkpoint's two domains (A, B);
    /// `notes` (translation models only) are added to the manifest's notes (data, terms of use).
    /// - Throws: `Failure`.
    public static func export(run: String, name: String, models: String? = nil, halfPrecision: Bool = false, overwrite: Bool = false,
                              classNames: [String] = [], notes: [String: String] = [:],
                              standingStatistics: Int? = nil) throws(Failure) -> (folder: String, kind: String) {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { throw .failed("the model name must be a plain folder name, got '\(name)'") }
        let folder = "\(TranslationModels.folder(explicit: models))/\(name)"
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(folder)/manifest.json") && !overwrite { throw .exists(folder) }
        if !notes.isEmpty, (try? translationModel(run: run, domains: classNames)) == nil {
            throw .failed("notes go into translation models' manifests only; \(run) is not a translation run")
        }
        if fm.fileExists(atPath: "\(run)/state.json"), (try? ConditionalGANTrainer.readState(from: run)) != nil {
            do {
                try LabelGANModel.export(checkpoint: run, to: folder, name: name, classNames: classNames, halfPrecision: halfPrecision,
                                         standingStatistics: standingStatistics, overwrite: overwrite)
            } catch { throw .failed(error.description) }
            return (folder, "label-gan")
        }
        if standingStatistics != nil { throw .failed("standing statistics are for label-GAN runs; \(run) is not one") }
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
        if let model = try translationModel(run: run, domains: classNames) {
            try copyTranslation(model, run: run, to: folder, name: name, halfPrecision: halfPrecision, notes: notes)
            return (folder, "translation")
        }
        throw .unknownRun(run)
    }

    /// The translation model of a model folder, a run folder (its model/, else its latest checkpoint) or a checkpoint
    /// folder; checkpoints take their domain names from `domains` (two names, A first). Nil when `run` is none of these.
    private static func translationModel(run: String, domains: [String]) throws(Failure) -> TranslationModel? {
        for source in [run, "\(run)/model"] { if let model = try? TranslationModel(folder: source) { return model } }
        guard let model = (try? TranslationModel(checkpoint: run))
                ?? (try? CycleGANCheckpoint.latestState(runFolder: run).folder).flatMap({ try? TranslationModel(checkpoint: $0) }) else { return nil }
        guard domains.count == 2, domains.allSatisfy({ !$0.isEmpty }) else {
            throw .failed("\(model.folder): a translation checkpoint does not know its domains: pass --class-names A,B (domain A first)")
        }
        return TranslationModel(renaming: model, domainA: domains[0], domainB: domains[1])
    }

    /// Writes a translation model folder (`gankit-cyclegan`) under a new name: its generators and its manifest, with
    /// the wall time of training taken from the run's checkpoint when the manifest lacks it.
    private static func copyTranslation(_ model: TranslationModel, run: String, to folder: String, name: String, halfPrecision: Bool,
                                        notes: [String: String]) throws(Failure) {
        var manifest = model.manifest
        manifest.name = name
        if !notes.isEmpty { manifest.notes = (manifest.notes ?? [:]).merging(notes) { $1 } }
        if manifest.trainingSeconds == nil {
            // A model/ folder written before manifests kept the wall time: the run's latest checkpoint, if it is the same step.
            for runFolder in [run, "\(model.folder)/.."] {
                if let state = try? CycleGANCheckpoint.latestState(runFolder: runFolder).state, state.step == manifest.trainingSteps {
                    manifest.trainingSeconds = state.trainingSeconds
                    break
                }
            }
        }
        let files = model.generatorNames.map { (source: "\(model.folder)/\($0).safetensors", file: "\($0).safetensors") }
        try writeModel(manifest, weights: files, format: manifest.format, steps: manifest.trainingSteps ?? 0, to: folder, halfPrecision: halfPrecision)
    }

    /// Writes an inpainting model folder (`gankit-inpaint/1`) from a model folder or a training checkpoint folder,
    /// under a new name.
    private static func copyInpaint(from source: String, to folder: String, name: String, halfPrecision: Bool) throws(Failure) {
        var manifest: InpaintingManifest
        do { manifest = try InpaintingModel(folder: source).manifest } catch { throw .failed(error.description) }
        let weights = "\(source)/\(manifest.generatorFile)"
        manifest.name = name
        manifest.generatorFile = "generator.safetensors"
        try writeModel(manifest, weights: [(weights, manifest.generatorFile)], format: InpaintingManifest.currentFormat,
                       steps: manifest.trainingSteps, to: folder, halfPrecision: halfPrecision)
    }

    /// Copies a pix2pix model folder under a new name.
    private static func copyPix2Pix(from source: String, to folder: String, name: String, halfPrecision: Bool) throws(Failure) {
        var manifest: Pix2PixManifest
        do { manifest = try Pix2PixModel.readManifest(folder: source) } catch { throw .failed(error.description) }
        manifest.name = name
        try writeModel(manifest, weights: [("\(source)/\(manifest.generatorFile)", manifest.generatorFile)],
                       format: Pix2PixManifest.currentFormat, steps: manifest.trainingSteps, to: folder, halfPrecision: halfPrecision)
    }

    /// Writes `folder` (built hidden, then renamed into place): each weight file `source` re-encoded as F32 or F16 into
    /// `file`, and `manifest` as `manifest.json`.
    private static func writeModel(_ manifest: some Encodable, weights: [(source: String, file: String)], format: String, steps: Int,
                                   to folder: String, halfPrecision: Bool) throws(Failure) {
        var tensors: [StateDict] = []
        for (source, _) in weights {
            do { tensors.append(try StateDict(contentsOf: source)) } catch { throw .failed("\(source): \(error)") }
        }
        do {
            try FileAccess.replaceFolder(folder) { partial in
                for (dict, (_, file)) in zip(tensors, weights) {
                    try SafeTensors.write(dict, to: "\(partial)/\(file)", as: halfPrecision ? .f16 : .f32,
                                          metadata: ["format": format, "step": "\(steps)"])
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try FileAccess.writeAtomically(Array(encoder.encode(manifest)), to: "\(partial)/manifest.json")
            }
        } catch { throw .failed("\(folder): \(error)") }
    }
}
