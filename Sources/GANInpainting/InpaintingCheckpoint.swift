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
    /// The generator's fewest parameters.
    public static func generatorParameterLowerBound(_ configuration: Configuration) -> Int { configuration.generatorParameterLowerBound }
    /// The configuration's and options' problems.
    public static func problem(configuration: InpaintingConfiguration, options: InpaintingOptions) -> String? { configuration.problem ?? options.problem }
}

/// `state.json` of an inpainting checkpoint folder.
public typealias InpaintingCheckpointState = AdversarialCheckpointState<InpaintingFamily>

extension InpaintingTrainer {
    /// G and D with their optimizers, as the checkpoint holds them.
    public var networks: AdversarialNetworks {
        AdversarialNetworks(generator: generator, discriminator: discriminator, generatorOptimizer: generatorOptimizer,
                            discriminatorOptimizer: discriminatorOptimizer)
    }

    /// Writes a checkpoint into `directory` (`AdversarialTrainer.writeCheckpoint`).
    /// - Throws: `TrainingFolderError.cannotWrite`.
    public func saveCheckpoint(to directory: String, dataset: String? = nil) throws(TrainingFolderError) {
        try writeCheckpoint(to: directory, dataset: dataset)
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

    /// Rebuilds a trainer from a checkpoint folder, continuing exactly (`AdversarialTrainer.readCheckpoint`).
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func resume(from directory: String) throws(TrainingFolderError) -> (trainer: InpaintingTrainer, state: InpaintingCheckpointState) {
        try readCheckpoint(from: directory)
    }
}

extension InpaintingTrainer: AdversarialTrainer {
    /// Takes the checkpoint's step, training seconds, start and last losses.
    public func restorePosition(of state: InpaintingCheckpointState) {
        (step, trainingSeconds, initializedFrom, lastLosses) = (state.step, state.trainingSeconds, state.initializedFrom, state.lastLosses)
    }
}
