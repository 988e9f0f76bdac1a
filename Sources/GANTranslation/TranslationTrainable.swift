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
    /// Writes a checkpoint of the model and `state` into `<runFolder>/checkpoints`.
    func saveCheckpoint(state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError)
    /// Rebuilds the model of one checkpoint folder.
    static func loadCheckpoint(_ folder: String) throws(TranslationCheckpointError) -> (model: Self, state: CycleGANTrainingState)
}

extension TranslationTrainable {
    /// Sets every optimizer's learning rate for `epoch` (counted from 0) from the options' schedule.
    public func setLearningRate(epoch: Int) {
        let rate = options.schedule.learningRate(base: options.learningRate, epoch: epoch)
        for (_, optimizer) in optimizers { optimizer.learningRate = rate }
    }

    /// Rebuilds the model of the run's latest checkpoint.
    public static func loadLatest(runFolder: String) throws(TranslationCheckpointError) -> (model: Self, state: CycleGANTrainingState) {
        try loadCheckpoint(CycleGANCheckpoint.latestState(runFolder: runFolder).folder)
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
    /// `CycleGANCheckpoint.save`.
    public func saveCheckpoint(state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError) {
        try CycleGANCheckpoint.save(self, state: state, runFolder: runFolder)
    }
    /// `CycleGANCheckpoint.load(checkpoint:)`.
    public static func loadCheckpoint(_ folder: String) throws(TranslationCheckpointError) -> (model: CycleGANModel, state: CycleGANTrainingState) {
        try CycleGANCheckpoint.load(checkpoint: folder)
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
    /// `CUTCheckpoint.save`.
    public func saveCheckpoint(state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError) {
        try CUTCheckpoint.save(self, state: state, runFolder: runFolder)
    }
    /// `CUTCheckpoint.load(checkpoint:)`.
    public static func loadCheckpoint(_ folder: String) throws(TranslationCheckpointError) -> (model: CUTModel, state: CycleGANTrainingState) {
        try CUTCheckpoint.load(checkpoint: folder)
    }
}

/// Checkpoints of a CUT or FastCUT run, in the layout and with the atomicity of `CycleGANCheckpoint`:
///
///     step-000120/  G_A.safetensors D_A.safetensors F.safetensors   (F: `mlp_<k>.0.weight`, … as CUT's netF)
///                   optimizer_G.safetensors (G_A and F moments) optimizer_D.safetensors (D_A moments)
///                   state.json   (options with `method`, the sampler's state)
///     latest.json
public enum CUTCheckpoint {
    /// Writes the model, its optimizers' moments and `state` into `<runFolder>/checkpoints`, then removes older ones.
    public static func save(_ model: CUTModel, state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError) {
        var files: [(name: String, contents: () throws(WeightFileError) -> StateDict)] = model.networks.map { net in
            (net.name + ".safetensors", { () throws(WeightFileError) -> StateDict in net.module.stateDict() })
        }
        let networks = model.networks
        files.append(("optimizer_G.safetensors", { () throws(WeightFileError) -> StateDict in
            try CycleGANCheckpoint.momentDict(model.generatorOptimizer, networks: [networks[0], networks[2]]) }))
        files.append(("optimizer_D.safetensors", { () throws(WeightFileError) -> StateDict in
            try CycleGANCheckpoint.momentDict(model.discriminatorOptimizer, networks: [networks[1]]) }))
        try CycleGANCheckpoint.write(files: files, state: state, runFolder: runFolder)
    }

    /// Rebuilds the model of the run's latest checkpoint.
    public static func load(runFolder: String) throws(TranslationCheckpointError) -> (model: CUTModel, state: CycleGANTrainingState) {
        try load(checkpoint: CycleGANCheckpoint.latestState(runFolder: runFolder).folder)
    }

    /// Rebuilds the model of one checkpoint folder: options, weights, moments and steps, sampler.
    public static func load(checkpoint folder: String) throws(TranslationCheckpointError) -> (model: CUTModel, state: CycleGANTrainingState) {
        let state: CycleGANTrainingState = try CycleGANCheckpoint.readJSON(folder + "/state.json")
        guard state.options.method.usesPatchNCE else {
            throw .mismatch("\(folder) is a \(state.options.method.rawValue) checkpoint, not a CUT one")
        }
        if let problem = state.options.problem { throw .unreadable(path: folder + "/state.json", reason: problem) }
        guard let samplerState = state.samplerState, state.optimizerSteps.count == 2 else {
            throw .unreadable(path: folder + "/state.json", reason: "a CUT state needs samplerState and two optimizer step counts")
        }
        let model = CUTModel(options: state.options)
        for (net, module) in model.networks {
            let path = "\(folder)/\(net).safetensors"
            do { try module.load(SafeTensors.read(contentsOf: path).tensors) } catch { throw .unreadable(path: path, reason: "\(error)") }
        }
        let networks = model.networks
        try CycleGANCheckpoint.restoreMoments(model.generatorOptimizer, networks: [networks[0], networks[2]], step: state.optimizerSteps[0],
                                              path: folder + "/optimizer_G.safetensors")
        try CycleGANCheckpoint.restoreMoments(model.discriminatorOptimizer, networks: [networks[1]], step: state.optimizerSteps[1],
                                              path: folder + "/optimizer_D.safetensors")
        model.sampler = CheckpointableGenerator(seed: samplerState)
        return (model, state)
    }
}
