import Foundation
import GANCore
import GANTraining
import GANImageIO

extension CheckpointState: CheckpointFolderState {
    /// The generator, discriminator, optimizer and (when present) average-generator files.
    public var weightFiles: [String] { [generatorFile, discriminatorFile, optimizerFile] + [averageGeneratorFile].compactMap { $0 } }
    /// Why the networks cannot be built, or nil.
    public var problem: String? { configuration.problem }
}

extension ConditionalGANTrainer {
    /// G's and D's optimizers under the names of their moments in the optimizer file.
    var namedOptimizers: [(name: String, optimizer: Adam)] { [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] }

    /// Writes a checkpoint into `directory` (created if needed): step-stamped safetensors files for
    /// G, D and both optimizers' moments, then `state.json` naming them (atomically, last), then
    /// removes older step-stamped files. An interrupted save leaves the previous checkpoint whole; a
    /// failed one (a full disk, a read-only folder) also removes the files it wrote.
    /// - Throws: `TrainingFolderError`.
    public func saveCheckpoint(to directory: String, dataset: String? = nil) throws(TrainingFolderError) {
        let folder = TrainingCheckpointFolder(directory)
        var state = CheckpointState(step: step, configuration: configuration, options: options,
                                    generatorFile: folder.stampedFile("generator-", step: step),
                                    discriminatorFile: folder.stampedFile("discriminator-", step: step),
                                    optimizerFile: folder.stampedFile("optimizers-", step: step),
                                    optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                                    lastLosses: lastLosses, dataset: dataset)
        state.trainingSeconds = trainingSeconds.rounded()
        state.averageGeneratorFile = averageGenerator.map { _ in folder.stampedFile("generator-average-", step: step) }
        state.redrawnSteps = redrawList
        var files = [(state.generatorFile, generator.stateDict()), (state.discriminatorFile, discriminator.stateDict()),
                     (state.optimizerFile, TrainingCheckpointFolder.adamMoments(namedOptimizers))]
        if let file = state.averageGeneratorFile, let average = averageGenerator { files.append((file, average.stateDict())) }
        FileAccess.removeStaleTemporaryFiles(for: "\(directory)/samples.png")   // left by a process killed while sampling
        try folder.write(files, state: state)
    }

    /// Keeps the checkpoint in `directory`, with its sample grid, as a checkpoint folder of its own at `destination`
    /// (hard links where the file system allows): sample, evaluate, export or resume it like the run.
    /// - Throws: `TrainingFolderError` naming the path.
    public static func keepSnapshot(of directory: String, at destination: String) throws(TrainingFolderError) {
        try TrainingCheckpointFolder(directory).keepSnapshot(of: CheckpointState.self, at: destination, extraFiles: ["samples.png"])
    }

    /// Reads `state.json` of a checkpoint folder.
    /// - Throws: `TrainingFolderError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(TrainingFolderError) -> CheckpointState {
        try TrainingCheckpointFolder(directory).readState()
    }

    /// Decodes and checks the bytes of a `state.json`; `path` names it in errors.
    /// - Throws: `TrainingFolderError.badState` when they are malformed, of another format, or describe unusable networks.
    public static func readState(bytes: [UInt8], path: String = "<memory>") throws(TrainingFolderError) -> CheckpointState {
        try TrainingCheckpointFolder.decodeState(bytes: bytes, path: path)
    }

    /// Rebuilds a trainer from a checkpoint folder: networks, optimizer moments and the step count,
    /// so that further `trainStep` calls continue exactly where the saved run stopped.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func resume(from directory: String) throws(TrainingFolderError) -> ConditionalGANTrainer {
        let folder = TrainingCheckpointFolder(directory)
        let state: CheckpointState = try folder.readState()
        let trainer = ConditionalGANTrainer(configuration: state.configuration, options: state.options)
        try TrainingCheckpointFolder.load(trainer.generator, from: folder.path(state.generatorFile))
        try TrainingCheckpointFolder.load(trainer.discriminator, from: folder.path(state.discriminatorFile))
        if let average = trainer.averageGenerator {   // an average added to a run without one starts from G
            try TrainingCheckpointFolder.load(average, from: folder.path(state.averageGeneratorFile ?? state.generatorFile))
        }
        try folder.restoreAdamMoments(trainer.namedOptimizers, steps: state.optimizerSteps, from: state.optimizerFile)
        trainer.step = state.step
        trainer.trainingSeconds = state.trainingSeconds ?? 0
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return trainer
    }

    /// Loads the discriminator of a checkpoint folder (a model folder has none), for scoring samples.
    /// - Throws: `TrainingFolderError`: `.missingState` for a folder without `state.json`.
    public static func loadDiscriminator(from directory: String) throws(TrainingFolderError) -> ConditionalDiscriminator {
        let state = try readState(from: directory)
        var random = SeededGenerator(seed: 0)
        let discriminator = ConditionalDiscriminator(configuration: state.configuration, using: &random)
        try TrainingCheckpointFolder.load(discriminator, from: "\(directory)/\(state.discriminatorFile)")
        return discriminator
    }

    /// Loads only the generator of a checkpoint folder, for sampling: its moving average when the folder
    /// holds one (unless `average` is false), else the generator's last weights. A model folder
    /// (`LabelGANModel`, `manifest.json`) loads its one generator.
    /// - Throws: `TrainingFolderError`.
    public static func loadGenerator(from directory: String, average: Bool = true) throws(TrainingFolderError) -> LabelConditionalGenerator {
        if !FileManager.default.fileExists(atPath: "\(directory)/state.json") && LabelGANModel.isModelFolder(directory) {
            return try LabelGANModel.loadGenerator(folder: directory)
        }
        let state = try readState(from: directory)
        let path = "\(directory)/\(average ? state.averageGeneratorFile ?? state.generatorFile : state.generatorFile)"
        let configuration = state.configuration
        return try TrainingCheckpointFolder.loadNetwork(from: path, holding: configuration.generatorParameterLowerBound) {
            LabelConditionalGenerator(configuration: configuration, using: &$0)
        }
    }
}
