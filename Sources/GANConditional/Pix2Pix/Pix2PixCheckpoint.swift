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
    /// The generator's fewest parameters.
    public static func generatorParameterLowerBound(_ configuration: Configuration) -> Int { configuration.generatorOptions.unetGeneratorParameterLowerBound }
    /// The configuration's and options' problems.
    public static func problem(configuration: Pix2PixConfiguration, options: Pix2PixOptions) -> String? { configuration.problem ?? options.problem }
}

/// `state.json` of a pix2pix checkpoint folder.
public typealias Pix2PixCheckpointState = AdversarialCheckpointState<Pix2PixFamily>

extension Pix2PixTrainer {
    /// G and D with their optimizers, as the checkpoint holds them.
    public var networks: AdversarialNetworks {
        AdversarialNetworks(generator: generator, discriminator: discriminator, generatorOptimizer: generatorOptimizer,
                            discriminatorOptimizer: discriminatorOptimizer)
    }

    /// Writes a checkpoint into `directory` (`AdversarialTrainer.writeCheckpoint`).
    /// - Throws: `TrainingFolderError`.
    public func saveCheckpoint(to directory: String, task: Pix2PixTask, dataset: String? = nil) throws(TrainingFolderError) {
        try writeCheckpoint(to: directory, task: task, dataset: dataset)
    }

    /// Reads `state.json` of a pix2pix checkpoint folder.
    /// - Throws: `TrainingFolderError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(TrainingFolderError) -> Pix2PixCheckpointState {
        try TrainingCheckpointFolder(directory).readState()
    }

    /// Rebuilds a trainer from a checkpoint folder, continuing exactly (`AdversarialTrainer.readCheckpoint`).
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func resume(from directory: String) throws(TrainingFolderError) -> (trainer: Pix2PixTrainer, state: Pix2PixCheckpointState) {
        try readCheckpoint(from: directory)
    }
}

extension Pix2PixTrainer: AdversarialTrainer {
    /// Takes the checkpoint's step, training seconds, start and last losses.
    public func restorePosition(of state: Pix2PixCheckpointState) {
        (step, trainingSeconds, initializedFrom, lastLosses) = (state.step, state.trainingSeconds, state.initializedFrom, state.lastLosses)
    }
}
