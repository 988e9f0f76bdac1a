import Foundation
import GANCore
import GANImageIO
import GANTraining

/// `manifest.json` of a label-conditional model folder (beside `generator.safetensors`): what a shipped
/// model carries, written by `LabelGANModel.export` from a training checkpoint.
public struct LabelGANManifest: Codable, Sendable, Equatable {
    /// The format tag, `gankit-label-gan-model/1`.
    public static let currentFormat = "gankit-label-gan-model/1"
    /// The format tag of this file.
    public var format = LabelGANManifest.currentFormat
    /// Always `label-gan` (tells model catalogs which family reads the folder).
    public var kind = "label-gan"
    /// The model's name (its folder's name in `Models/`).
    public var name: String
    /// A readable architecture line.
    public var architecture: String
    /// The networks' shape.
    public var configuration: ConditionalGANConfiguration
    /// The training settings (loss, batch, learning rates, generator average, seed).
    public var options: ConditionalTrainingOptions
    /// The class names, by label (empty: the labels are their own names).
    public var classNames: [String]
    /// Training steps.
    public var trainingSteps: Int
    /// Wall-clock seconds of training, if the checkpoint recorded them.
    public var trainingSeconds: Double?
    /// Where the training images came from.
    public var dataset: String?
    /// Whether the weights are the generator's moving average (else its last weights).
    public var averagedWeights: Bool
    /// Over how many training-mode batches the batch-norm statistics were recomputed at export (standing
    /// statistics, `StandingStatistics`); nil: the running statistics of training.
    public var standingStatisticsBatches: Int?
    /// GANConditional's version that wrote it.
    public var version = GANConditional.version
    /// The weights file, relative to the folder.
    public var generatorFile = "generator.safetensors"
}

extension LabelGANManifest: ModelManifest {
    /// Why the networks cannot be built, or the class names do not match the classes; nil when usable.
    public var problem: String? {
        if let problem = configuration.problem { return problem }
        guard classNames.isEmpty || classNames.count == configuration.classCount else {
            return "\(classNames.count) class names for \(configuration.classCount) classes"
        }
        return nil
    }
}

/// A label-conditional model folder: `manifest.json` + `generator.safetensors`, loadable by name from a
/// models folder. Training checkpoints (`state.json`) load the same way for sampling.
public enum LabelGANModel {
    /// Whether `folder` holds a label-GAN model manifest.
    public static func isModelFolder(_ folder: String) -> Bool {
        guard let bytes = try? FileAccess.readAll("\(folder)/manifest.json"),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return false }
        return object["format"] as? String == LabelGANManifest.currentFormat
    }

    /// Reads and checks `manifest.json` of a model folder.
    /// - Throws: `TrainingFolderError.missingState` (no manifest) or `.badState` naming the file.
    public static func readManifest(folder: String) throws(TrainingFolderError) -> LabelGANManifest {
        try ModelFolder(folder).readManifest()
    }

    /// The generator of a model folder.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func loadGenerator(folder: String) throws(TrainingFolderError) -> LabelConditionalGenerator {
        let manifest = try readManifest(folder: folder)
        let configuration = manifest.configuration
        return try TrainingCheckpointFolder.loadNetwork(from: "\(folder)/\(manifest.generatorFile)", holding: configuration.generatorParameterLowerBound) {
            LabelConditionalGenerator(configuration: configuration, using: &$0)
        }
    }

    /// Writes the model folder `folder` (must not hold a model unless `overwrite`) from the training checkpoint
    /// `checkpoint`: the generator's moving average when the run kept one, else its last weights, as F32 or, with
    /// `halfPrecision`, F16, and the manifest; the folder is built hidden and renamed into place. With
    /// `standingStatistics` N, the generator's batch-norm statistics are first recomputed over N training-mode batches
    /// of the run's batch size (`ConditionalSampler.standStatistics`, fixed seed), and the manifest says so.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    @discardableResult
    public static func export(checkpoint: String, to folder: String, name: String, classNames: [String] = [],
                              halfPrecision: Bool = false, standingStatistics: Int? = nil,
                              overwrite: Bool = false) throws(TrainingFolderError) -> LabelGANManifest {
        let state = try ConditionalGANTrainer.readState(from: checkpoint)
        guard classNames.isEmpty || classNames.count == state.configuration.classCount else {
            throw .badState(path: "\(checkpoint)/state.json", detail: "\(classNames.count) class names given for \(state.configuration.classCount) classes")
        }
        if !overwrite && FileManager.default.fileExists(atPath: "\(folder)/manifest.json") {
            throw .cannotWriteModel(path: folder, detail: "already holds a model (overwrite to replace it)")
        }
        let generator = try ConditionalGANTrainer.loadGenerator(from: checkpoint)
        if let passes = standingStatistics {
            guard passes > 0 else { throw .badState(path: checkpoint, detail: "standing statistics need at least one batch, got \(passes)") }
            ConditionalSampler(generator: generator).standStatistics(passes: passes, batchSize: state.options.batchSize)
        }
        let c = state.configuration
        var manifest = LabelGANManifest(
            name: name,
            architecture: "CBN generator width \(c.generatorWidth) z \(c.latentSize)\(c.generatorConvsPerScale > 0 ? " with \(c.generatorConvsPerScale) 3x3 conv per scale" : ""), \(c.discriminatorHead == .projection ? "projection" : "AC-GAN") discriminator width \(c.discriminatorWidth)\(c.discriminatorConvsPerScale > 0 ? " with \(c.discriminatorConvsPerScale) 3x3 conv per scale" : ""), \(c.imageSize)x\(c.imageSize)x\(c.channels), \(c.classCount) classes",
            configuration: c, options: state.options, classNames: classNames, trainingSteps: state.step,
            trainingSeconds: state.trainingSeconds, dataset: state.dataset.map { DatasetRecord.describe($0, split: "training split") }, averagedWeights: state.averageGeneratorFile != nil)
        manifest.standingStatisticsBatches = standingStatistics
        try ModelFolder(folder).write(manifest, generator: generator.stateDict(), as: halfPrecision ? .f16 : .f32)
        return manifest
    }
}
