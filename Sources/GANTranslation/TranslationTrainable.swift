import GANCore
import GANImageIO
import GANTraining

/// The losses of one training step, as the loss log and the progress line show them.
public protocol TranslationStepLosses: Sendable {
    /// Column names, in `values` order.
    static var names: [String] { get }
    /// The losses in `names` order.
    var values: [Float] { get }
}

extension TranslationStepLosses {
    /// Whether every loss is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}

extension CycleGANLosses: TranslationStepLosses {}

/// A model `TranslationTrainer` trains: CycleGAN (`CycleGANModel`), CUT/FastCUT (`CUTModel`) or U-GAT-IT (`UGATITModel`). Each saves and
/// loads its own checkpoints in the layout of `CycleGANCheckpoint` (weights, moments, `state.json`, `latest.json`).
public protocol TranslationTrainable: AnyObject, Sendable {
    /// The losses of a step.
    associatedtype Losses: TranslationStepLosses
    /// The images of a step, for sample grids.
    associatedtype Visuals
    /// The settings the model was built with.
    var options: CycleGANOptions { get }
    /// Every network by the name of its weight file.
    var networks: [(name: String, module: Module)] { get }
    /// The optimizers by the names of their moment files (`optimizer_G`, `optimizer_D`).
    var optimizers: [(name: String, optimizer: Adam)] { get }
    /// The generators a model folder holds ("G_A", and "G_B" for CycleGAN).
    var exportedGenerators: [(name: String, module: Module)] { get }
    /// The learning rate the step uses (the generator optimizer's).
    var learningRate: Float { get }
    /// Sets the learning rates for `epoch` (from 0).
    func setLearningRate(epoch: Int)
    /// One optimisation step.
    func trainStepWithVisuals(realA: Tensor, realB: Tensor) -> (losses: Losses, visuals: Visuals)
    /// The sample grid picture of a step's images.
    static func sampleGrid(_ visuals: Visuals) throws(ImageIOError) -> Image
    /// A state record of this model at a position of the run.
    func trainingState(step: Int, epoch: Int, index: Int, dataSeed: UInt64, trainingSeconds: Double,
                       skippedItems: [DataPosition]?) -> CycleGANTrainingState
    /// The networks each optimizer updates, in `optimizers` order: its moment file names their parameters.
    var optimizedNetworks: [[(name: String, module: Module)]] { get }
    /// Files a checkpoint holds besides the networks and the moments (CycleGAN: the fake pools; none by default).
    var extraCheckpointFiles: [(name: String, contents: () throws(WeightFileError) -> StateDict)] { get }
    /// The methods whose checkpoints this model loads, and its name in errors ("CUT").
    static var trainedMethods: [TranslationMethod] { get }
    /// Fresh networks for `options`, initialised from `seed`.
    init(options: CycleGANOptions, seed: UInt64)
    /// Restores what a checkpoint holds besides weights and moments (CUT's sampler, CycleGAN's pools); nothing by
    /// default.
    func restoreExtraState(_ state: CycleGANTrainingState, folder: String) throws(TranslationCheckpointError)
}

extension TranslationTrainable {
    public var extraCheckpointFiles: [(name: String, contents: () throws(WeightFileError) -> StateDict)] { [] }
    public func restoreExtraState(_ state: CycleGANTrainingState, folder: String) throws(TranslationCheckpointError) {}

    /// Writes a checkpoint of the model and `state` into `<runFolder>/checkpoints` (the layout and atomicity of
    /// `CycleGANCheckpoint`): every network, each optimizer's moments, the extra files, `state.json`.
    public func saveCheckpoint(state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError) {
        var files: [(name: String, contents: () throws(WeightFileError) -> StateDict)] = networks.map { net in
            (net.name + ".safetensors", { () throws(WeightFileError) -> StateDict in net.module.stateDict() })
        }
        for (group, networks) in zip(optimizers, optimizedNetworks) {
            files.append((group.name + ".safetensors", { () throws(WeightFileError) -> StateDict in
                try CycleGANCheckpoint.momentDict(group.optimizer, networks: networks) }))
        }
        try CycleGANCheckpoint.write(files: files + extraCheckpointFiles, state: state, runFolder: runFolder)
    }

    /// Rebuilds the model of one checkpoint folder: options (with `change` made to its schedule), weights, moments and
    /// steps, and the extra state.
    /// - Throws: `TranslationCheckpointError` naming the file at fault, `.mismatch` for another method's checkpoint or
    ///   a changed schedule that ends before the checkpoint's epoch.
    public static func loadCheckpoint(_ folder: String, rescheduling change: ScheduleChange = ScheduleChange())
        throws(TranslationCheckpointError) -> (model: Self, state: CycleGANTrainingState) {
        var state: CycleGANTrainingState = try CycleGANCheckpoint.readJSON(folder + "/state.json")
        state.options = change.applied(to: state.options)
        if change != ScheduleChange(), state.options.constantEpochs + state.options.decayEpochs <= state.epoch {
            throw .mismatch("the run is in epoch \(state.epoch + 1); a schedule of \(state.options.constantEpochs) + "
                            + "\(state.options.decayEpochs) epochs ends before it")
        }
        guard trainedMethods.contains(state.options.method) else {
            throw .mismatch("\(folder) is a \(state.options.method.rawValue) checkpoint, not a \(trainedMethods.map(\.rawValue).joined(separator: " or ")) one")
        }
        if let problem = state.options.problem { throw .unreadable(path: folder + "/state.json", reason: problem) }
        let model = Self(options: state.options, seed: 0)
        guard state.optimizerSteps.count == model.optimizers.count else {
            throw .unreadable(path: folder + "/state.json", reason: "it needs \(model.optimizers.count) optimizer step counts, not \(state.optimizerSteps.count)")
        }
        for (net, module) in model.networks {
            let path = "\(folder)/\(net).safetensors"
            do { try module.load(SafeTensors.read(contentsOf: path).tensors) } catch { throw .unreadable(path: path, reason: "\(error)") }
        }
        for ((group, networks), step) in zip(zip(model.optimizers, model.optimizedNetworks), state.optimizerSteps) {
            try CycleGANCheckpoint.restoreMoments(group.optimizer, networks: networks, step: step, path: "\(folder)/\(group.name).safetensors")
        }
        try model.restoreExtraState(state, folder: folder)
        return (model, state)
    }
}

extension TranslationTrainable {
    /// Sets every optimizer's learning rate for `epoch` (counted from 0) from the options' schedule.
    public func setLearningRate(epoch: Int) {
        let rate = options.schedule.learningRate(base: options.learningRate, epoch: epoch)
        for (_, optimizer) in optimizers { optimizer.learningRate = rate }
    }

    /// Rebuilds the model of the run's latest checkpoint, with `change` made to its schedule.
    public static func loadLatest(runFolder: String, rescheduling change: ScheduleChange = ScheduleChange())
        throws(TranslationCheckpointError) -> (model: Self, state: CycleGANTrainingState) {
        try loadCheckpoint(CycleGANCheckpoint.latestState(runFolder: runFolder).folder, rescheduling: change)
    }
}

extension CycleGANModel: TranslationTrainable {
    /// optimizer_G (G_A and G_B), optimizer_D (D_A and D_B).
    public var optimizers: [(name: String, optimizer: Adam)] { [("optimizer_G", generatorOptimizer), ("optimizer_D", discriminatorOptimizer)] }
    /// G_A and G_B.
    public var exportedGenerators: [(name: String, module: Module)] { [("G_A", generatorA), ("G_B", generatorB)] }
    /// optimizer_G's learning rate.
    public var learningRate: Float { generatorOptimizer.learningRate }
    /// Real A | G_A(A) | G_B(G_A(A)) over real B | G_B(B) | G_A(G_B(B)).
    public static func sampleGrid(_ visuals: CycleGANVisuals) throws(ImageIOError) -> Image {
        try SampleGrid.image(rows: [[visuals.realA, visuals.fakeB, visuals.reconstructedA], [visuals.realB, visuals.fakeA, visuals.reconstructedB]])
    }
    /// The state with both pools' generator states and both optimizers' step counts.
    public func trainingState(step: Int, epoch: Int, index: Int, dataSeed: UInt64, trainingSeconds: Double,
                              skippedItems: [DataPosition]?) -> CycleGANTrainingState {
        CycleGANTrainingState(step: step, epoch: epoch, index: index, dataSeed: dataSeed, options: options,
                              poolGeneratorStates: [fakeBPool.generator.state, fakeAPool.generator.state],
                              optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                              trainingSeconds: trainingSeconds, skippedItems: skippedItems)
    }
    /// The generators (G_A, G_B), then every discriminator.
    public var optimizedNetworks: [[(name: String, module: Module)]] { [Array(networks.prefix(2)), Array(networks.dropFirst(2))] }
    /// pools.safetensors (`fake_B_pool.<k>`, `fake_A_pool.<k>`).
    public var extraCheckpointFiles: [(name: String, contents: () throws(WeightFileError) -> StateDict)] {
        [("pools.safetensors", { () throws(WeightFileError) -> StateDict in CycleGANCheckpoint.poolDict(self) })]
    }
    /// CycleGAN.
    public static var trainedMethods: [TranslationMethod] { [.cycleGAN] }
    /// The pools and their random streams (a compact copy, `CompactRunState`, holds no pools: they start empty).
    public func restoreExtraState(_ state: CycleGANTrainingState, folder: String) throws(TranslationCheckpointError) {
        try CycleGANCheckpoint.restorePools(self, state: state, folder: folder)
    }
}

extension CUTModel: TranslationTrainable {
    /// optimizer_G (G_A and F), optimizer_D (D_A).
    public var optimizers: [(name: String, optimizer: Adam)] { [("optimizer_G", generatorOptimizer), ("optimizer_D", discriminatorOptimizer)] }
    /// G_A only: a CUT model translates A to B.
    public var exportedGenerators: [(name: String, module: Module)] { [("G_A", generator)] }
    /// optimizer_G's learning rate.
    public var learningRate: Float { generatorOptimizer.learningRate }
    /// Real A | G(A), and for CUT real B | G(B) below.
    public static func sampleGrid(_ visuals: CUTVisuals) throws(ImageIOError) -> Image {
        var rows = [[visuals.realA, visuals.fakeB]]
        if let realB = visuals.realB, let identityB = visuals.identityB { rows.append([realB, identityB]) }
        return try SampleGrid.image(rows: rows)
    }
    /// The state with the sampler's state and both optimizers' step counts (no pools).
    public func trainingState(step: Int, epoch: Int, index: Int, dataSeed: UInt64, trainingSeconds: Double,
                              skippedItems: [DataPosition]?) -> CycleGANTrainingState {
        var state = CycleGANTrainingState(step: step, epoch: epoch, index: index, dataSeed: dataSeed, options: options,
                                          poolGeneratorStates: [],
                                          optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                                          trainingSeconds: trainingSeconds, skippedItems: skippedItems)
        state.samplerState = sampler.state
        return state
    }
    /// G_A and F, then D_A.
    public var optimizedNetworks: [[(name: String, module: Module)]] { let n = networks; return [[n[0], n[2]], [n[1]]] }
    /// CUT and FastCUT.
    public static var trainedMethods: [TranslationMethod] { [.cut, .fastCUT] }
    /// The patch sampler's state.
    public func restoreExtraState(_ state: CycleGANTrainingState, folder: String) throws(TranslationCheckpointError) {
        guard let samplerState = state.samplerState else { throw .unreadable(path: folder + "/state.json", reason: "a CUT state needs samplerState") }
        sampler = CheckpointableGenerator(seed: samplerState)
    }
}
