import GANTraining
import Foundation
import GANCore
import GANImageIO

/// `state.json` of a pix2pix checkpoint folder: what is trained, how far, and which weight files hold it. Written last
/// and atomically, after the step-stamped weight files it names.
public struct Pix2PixCheckpointState: Codable, Sendable, Equatable {
    /// The format tag, `gankit-pix2pix/1`.
    public static let currentFormat = "gankit-pix2pix/1"
    /// The format tag of this file.
    public var format = Pix2PixCheckpointState.currentFormat
    /// GANConditional's version that wrote it.
    public var version = GANConditional.version
    /// Steps completed.
    public var step: Int
    /// Seconds spent training up to this checkpoint.
    public var trainingSeconds: Double
    /// The model whose generator weights started this run, if any (`Pix2PixTrainer.initializedFrom`).
    public var initializedFrom: String?
    /// The pairs the model learns.
    public var task: Pix2PixTask
    /// The networks' shape.
    public var configuration: Pix2PixConfiguration
    /// The training settings.
    public var options: Pix2PixOptions
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments, relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of G and D.
    public var optimizerSteps: [Int]
    /// The losses of the last step.
    public var lastLosses: Pix2PixLosses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback, a step once per redraw. Absent when there are none.
    public var redrawnSteps: [Int]?
}

extension Pix2PixCheckpointState: CheckpointFolderState {
    /// The generator, discriminator and optimizer files.
    public var weightFiles: [String] { [generatorFile, discriminatorFile, optimizerFile] }
    /// Why the networks or options cannot be trained, or nil.
    public var problem: String? { configuration.problem ?? options.problem }
}

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
        var state = Pix2PixCheckpointState(step: step, trainingSeconds: trainingSeconds, task: task, configuration: configuration,
                                           options: options, generatorFile: files.generator,
                                           discriminatorFile: files.discriminator,
                                           optimizerFile: files.optimizers,
                                           optimizerSteps: networks.optimizerSteps,
                                           lastLosses: lastLosses, dataset: dataset)
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
        try folder.load(trainer.networks, from: AdversarialCheckpointFiles(generator: state.generatorFile, discriminator: state.discriminatorFile,
                                                                         optimizers: state.optimizerFile), optimizerSteps: state.optimizerSteps)
        trainer.step = state.step
        trainer.trainingSeconds = state.trainingSeconds
        trainer.initializedFrom = state.initializedFrom
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return (trainer, state)
    }
}
