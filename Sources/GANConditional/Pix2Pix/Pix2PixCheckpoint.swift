import GANTraining
import Foundation
import GANCore
import GANImageIO

/// The pix2pix family's part of its checkpoint record (pix2pix: its task).
public enum Pix2PixFamily: AdversarialFamily {
    /// `gankit-pix2pix/1`.
    public static let checkpointFormat = "gankit-pix2pix/1"
    /// GANConditional's version.
    public static var version: String { GANConditional.version }
    /// The record's types.
    public typealias Configuration = Pix2PixConfiguration
    public typealias Options = Pix2PixOptions
    public typealias Losses = Pix2PixLosses
    public typealias Task = Pix2PixTask
    /// The configuration's and options' problems.
    public static func problem(configuration: Pix2PixConfiguration, options: Pix2PixOptions) -> String? { configuration.problem ?? options.problem }
}

/// `state.json` of a pix2pix checkpoint folder.
public typealias Pix2PixCheckpointState = AdversarialCheckpointState<Pix2PixFamily>

extension Pix2PixTrainer {
    /// G and D with their optimizers, as the checkpoint holds them.
    var networks: AdversarialNetworks {
        AdversarialNetworks(generator: generator, discriminator: discriminator, generatorOptimizer: generatorOptimizer,
                            discriminatorOptimizer: discriminatorOptimizer)
    }

    /// Writes a checkpoint into `directory`: step-stamped safetensors files for G, D and both optimizers' moments,
    /// then `state.json` naming them (atomically, last), then removes older step-stamped files. An interrupted save
    /// leaves the previous checkpoint whole; a failed one also removes the files it wrote.
    /// - Throws: `TrainingFolderError`.
    public func saveCheckpoint(to directory: String, task: Pix2PixTask, dataset: String? = nil) throws(TrainingFolderError) {
        let folder = TrainingCheckpointFolder(directory), files = folder.adversarialFiles(step: step)
        var state = Pix2PixCheckpointState(step: step, trainingSeconds: trainingSeconds, task: task, configuration: configuration, options: options,
                            files: files, networks: networks, lastLosses: lastLosses, dataset: dataset)
        state.redrawnSteps = redrawList
        state.initializedFrom = initializedFrom
        try folder.write(networks, files: files, state: state)
    }

    /// Reads `state.json` of a pix2pix checkpoint folder.
    /// - Throws: `TrainingFolderError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(TrainingFolderError) -> Pix2PixCheckpointState {
        try TrainingCheckpointFolder(directory).readState()
    }

    /// Rebuilds a trainer from a checkpoint folder (networks, moments, step, redraws), so that further steps continue
    /// exactly where the saved run stopped.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func resume(from directory: String) throws(TrainingFolderError) -> (trainer: Pix2PixTrainer, state: Pix2PixCheckpointState) {
        let folder = TrainingCheckpointFolder(directory)
        let state: Pix2PixCheckpointState = try folder.readState()
        let trainer = Pix2PixTrainer(configuration: state.configuration, options: state.options)
        try folder.load(trainer.networks, from: state.files, optimizerSteps: state.optimizerSteps)
        trainer.step = state.step
        trainer.trainingSeconds = state.trainingSeconds
        trainer.initializedFrom = state.initializedFrom
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return (trainer, state)
    }
}
