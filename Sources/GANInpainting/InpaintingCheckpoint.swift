import GANTraining
import Foundation
import GANCore
import GANImageIO

/// `state.json` of an inpainting checkpoint folder: what is trained, how far, and which weight files hold it. Written
/// last and atomically, after the step-stamped weight files it names.
public struct InpaintingCheckpointState: Codable, Sendable, Equatable {
    /// The format tag, `gankit-inpaint-checkpoint/1`.
    public static let currentFormat = "gankit-inpaint-checkpoint/1"
    /// The format tag of this file.
    public var format = InpaintingCheckpointState.currentFormat
    /// GANInpainting's version that wrote it.
    public var version = GANInpainting.version
    /// Steps completed.
    public var step: Int
    /// Seconds spent training up to this checkpoint.
    public var trainingSeconds: Double
    /// The networks' shape.
    public var configuration: InpaintingConfiguration
    /// The training settings.
    public var options: InpaintingOptions
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments, relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of G and D.
    public var optimizerSteps: [Int]
    /// The losses of the last step.
    public var lastLosses: InpaintingLosses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback, a step once per redraw. Absent when there are none.
    public var redrawnSteps: [Int]?
    /// The model whose generator weights started this run, if any (`InpaintingTrainer.initializedFrom`).
    public var initializedFrom: String?
}

extension InpaintingCheckpointState: CheckpointFolderState {
    /// The generator, discriminator and optimizer files.
    public var weightFiles: [String] { [generatorFile, discriminatorFile, optimizerFile] }
    /// Why the record cannot be used (networks, options, step counts, a weight file outside the folder), or nil.
    public var problem: String? {
        if let problem = configuration.problem ?? options.problem { return problem }
        guard step >= 0, optimizerSteps.count == 2 else { return "step must be >= 0 and optimizerSteps hold 2 entries" }
        return weightFiles.first { $0.contains("/") || $0.hasPrefix(".") }.map { "weight file \($0) must be a plain name inside the folder" }
    }
}

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
        var state = InpaintingCheckpointState(step: step, trainingSeconds: trainingSeconds, configuration: configuration,
                                              options: options, generatorFile: files.generator,
                                              discriminatorFile: files.discriminator,
                                              optimizerFile: files.optimizers,
                                              optimizerSteps: networks.optimizerSteps,
                                              lastLosses: lastLosses, dataset: dataset)
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
