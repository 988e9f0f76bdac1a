import GANCore

/// A trainer of one generator against one discriminator (pix2pix, inpainting) whose checkpoint is an
/// `AdversarialCheckpointState<Family>`: it supplies its networks and where it stands; saving and resuming are
/// written once, here.
public protocol AdversarialTrainer: RedrawingTrainer {
    /// The family's record types.
    associatedtype Family: AdversarialFamily
    /// The networks' shape.
    var configuration: Family.Configuration { get }
    /// The training settings.
    var options: Family.Options { get }
    /// G and D with their optimizers.
    var networks: AdversarialNetworks { get }
    /// The model whose generator weights started the run, if any.
    var initializedFrom: String? { get }
    /// The losses of the last step.
    var lastLosses: Family.Losses? { get }
    /// Fresh networks for `configuration` and `options`.
    init(configuration: Family.Configuration, options: Family.Options)
    /// Takes the step, training seconds, start and last losses of a checkpoint (its redraws are replayed after).
    func restorePosition(of state: AdversarialCheckpointState<Family>)
}

extension AdversarialTrainer {
    /// Writes a checkpoint into `directory`: step-stamped safetensors files for G, D and both optimizers' moments,
    /// then `state.json` naming them (atomically, last), then removes older step-stamped files. An interrupted save
    /// leaves the previous checkpoint whole; a failed one also removes the files it wrote.
    /// - Throws: `TrainingFolderError.cannotWrite`.
    public func writeCheckpoint(to directory: String, task: Family.Task? = nil, dataset: String?) throws(TrainingFolderError) {
        let folder = TrainingCheckpointFolder(directory), files = folder.adversarialFiles(step: step)
        var state = AdversarialCheckpointState<Family>(step: step, trainingSeconds: trainingSeconds, task: task, configuration: configuration,
                                                       options: options, files: files, networks: networks, lastLosses: lastLosses, dataset: dataset)
        (state.redrawnSteps, state.initializedFrom) = (redrawList, initializedFrom)
        try folder.write(networks, files: files, state: state)
    }

    /// Rebuilds a trainer from a checkpoint folder (networks, moments, step, redraws), so that further steps continue
    /// exactly where the saved run stopped; the generator's file is checked to be large enough for the network the
    /// state describes before the network is built.
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func readCheckpoint(from directory: String) throws(TrainingFolderError) -> (trainer: Self, state: AdversarialCheckpointState<Family>) {
        let folder = TrainingCheckpointFolder(directory)
        let state: AdversarialCheckpointState<Family> = try folder.readState()
        let generatorPath = folder.path(state.generatorFile)
        do { try StateDict.checkFile(generatorPath, canHold: Family.generatorParameterLowerBound(state.configuration)) } catch {
            throw .weights(path: generatorPath, detail: error.description)
        }
        let trainer = Self(configuration: state.configuration, options: state.options)
        try folder.load(trainer.networks, from: state.files, optimizerSteps: state.optimizerSteps)
        trainer.restorePosition(of: state)
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return (trainer, state)
    }
}
