import GANTraining
import Foundation
import GANCore
import GANImageIO

/// The inpainting family's part of its checkpoint record (inpainting: no task).
public enum InpaintingFamily: AdversarialFamily {
    /// `gankit-inpaint-checkpoint/1`.
    public static let checkpointFormat = "gankit-inpaint-checkpoint/1"
    /// GANInpainting's version.
    public static var version: String { GANInpainting.version }
    /// The record's types.
    public typealias Configuration = InpaintingConfiguration
    public typealias Options = InpaintingOptions
    public typealias Losses = InpaintingLosses
    public typealias Task = Never
    /// The configuration's and options' problems.
    public static func problem(configuration: InpaintingConfiguration, options: InpaintingOptions) -> String? { configuration.problem ?? options.problem }
}

/// `state.json` of an inpainting checkpoint folder.
public typealias InpaintingCheckpointState = AdversarialCheckpointState<InpaintingFamily>

extension InpaintingTrainer {
    /// G and D with their optimizers, as the checkpoint holds them.
    var networks: AdversarialNetworks {
        AdversarialNetworks(generator: generator, discriminator: discriminator, generatorOptimizer: generatorOptimizer,
                            discriminatorOptimizer: discriminatorOptimizer)
    }

    /// Writes a checkpoint into `directory`: step-stamped safetensors files for G, D and both optimizers' moments,
    /// then `state.json` naming them (atomically, last), then removes older step-stamped files. An interrupted save
    /// leaves the previous checkpoint whole; a failed one also removes the files it wrote.
    /// - Throws: `TrainingFolderError.cannotWrite`.
    public func saveCheckpoint(to directory: String, dataset: String? = nil) throws(TrainingFolderError) {
        let folder = TrainingCheckpointFolder(directory), files = folder.adversarialFiles(step: step)
        var state = InpaintingCheckpointState(step: step, trainingSeconds: trainingSeconds, configuration: configuration, options: options,
                            files: files, networks: networks, lastLosses: lastLosses, dataset: dataset)
        state.redrawnSteps = redrawList
        state.initializedFrom = initializedFrom
        try folder.write(networks, files: files, state: state)
    }

    /// Reads `state.json` of an inpainting checkpoint folder.
    /// - Throws: `TrainingFolderError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(TrainingFolderError) -> InpaintingCheckpointState {
        try TrainingCheckpointFolder(directory).readState()
    }

    /// Decodes and checks the bytes of a `state.json`; `path` names it in errors.
    /// - Throws: `TrainingFolderError.badState` when they are malformed, of another format, or describe unusable
    ///   networks or options.
    public static func readState(bytes: [UInt8], path: String = "<memory>") throws(TrainingFolderError) -> InpaintingCheckpointState {
        try TrainingCheckpointFolder.decodeState(bytes: bytes, path: path)
    }

    /// Rebuilds a trainer from a checkpoint folder (networks, moments, step, redraws), so that further steps continue
    /// exactly where the saved run stopped.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func resume(from directory: String) throws(TrainingFolderError) -> (trainer: InpaintingTrainer, state: InpaintingCheckpointState) {
        let folder = TrainingCheckpointFolder(directory)
        let state: InpaintingCheckpointState = try folder.readState()
        let generatorPath = folder.path(state.generatorFile)
        do { try StateDict.checkFile(generatorPath, canHold: state.configuration.generatorParameterLowerBound) } catch {
            throw .weights(path: generatorPath, detail: error.description)
        }
        let trainer = InpaintingTrainer(configuration: state.configuration, options: state.options)
        try folder.load(trainer.networks, from: state.files, optimizerSteps: state.optimizerSteps)
        trainer.step = state.step
        trainer.trainingSeconds = state.trainingSeconds
        trainer.initializedFrom = state.initializedFrom
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return (trainer, state)
    }
}
