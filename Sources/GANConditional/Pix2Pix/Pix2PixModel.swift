import Foundation
import GANCore
import GANImageIO
import GANTraining

/// A trained pix2pix generator loaded from a model folder, with its manifest.
public struct Pix2PixModel: @unchecked Sendable {
    /// The folder it was read from.
    public let folder: String
    /// Its manifest.
    public let manifest: Pix2PixManifest
    /// The U-Net (in evaluation mode). Not synchronised: use from one thread at a time.
    public let generator: UnetGenerator

    /// Reads `manifest.json` and the generator of a model folder.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public init(folder: String) throws(TrainingFolderError) {
        let manifest = try Self.readManifest(folder: folder)
        let options = manifest.configuration.generatorOptions
        let generator = try TrainingCheckpointFolder.loadNetwork(from: "\(folder)/\(manifest.generatorFile)",
                                                                 holding: options.unetGeneratorParameterLowerBound) { UnetGenerator(options: options, using: &$0) }
        generator.eval()
        (self.folder, self.manifest, self.generator) = (folder, manifest, generator)
    }

    /// Reads and checks `manifest.json`.
    /// - Throws: `TrainingFolderError.missingState` (no manifest) or `.badState`.
    public static func readManifest(folder: String) throws(TrainingFolderError) -> Pix2PixManifest {
        try ModelFolder(folder).readManifest()
    }

    /// Decodes and checks the bytes of a `manifest.json`; `path` names it in errors.
    /// - Throws: `TrainingFolderError.badState` when they are malformed, of another format, or describe unusable networks.
    public static func readManifest(bytes: [UInt8], path: String = "<memory>") throws(TrainingFolderError) -> Pix2PixManifest {
        try ModelFolder.decodeManifest(bytes: bytes, path: path)
    }

    /// Writes a model folder from a trainer: the folder is built hidden beside `folder`, then renamed over it.
    /// - Throws: `TrainingFolderError.cannotWrite`.
    public static func write(_ trainer: Pix2PixTrainer, task: Pix2PixTask, name: String, dataset: String?, to folder: String) throws(TrainingFolderError) {
        let manifest = Pix2PixManifest(name: name, task: task, architecture: trainer.configuration.architecture,
                                       configuration: trainer.configuration, loss: trainer.options.loss,
                                       ganWeight: trainer.options.ganWeight, l1Weight: trainer.options.l1Weight,
                                       trainingSteps: trainer.step, trainingSeconds: trainer.trainingSeconds.rounded(),
                                       batchSize: trainer.options.batchSize, dataset: dataset.map { DatasetRecord.describe($0) }, initializedFrom: trainer.initializedFrom)
        try ModelFolder(folder).write(manifest, generator: trainer.generator.stateDict(), metadata: ["step": "\(trainer.step)"])
    }
}
