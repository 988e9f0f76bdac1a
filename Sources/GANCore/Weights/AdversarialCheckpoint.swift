/// The weight files of a generator-against-discriminator checkpoint at one step (pix2pix, inpainting): the two
/// networks and both Adams' moments, each step-stamped (`generator-00000120.safetensors`...).
public struct AdversarialCheckpointFiles: Sendable, Equatable {
    /// The generator's weights.
    public var generator: String
    /// The discriminator's weights.
    public var discriminator: String
    /// Both optimizers' moments (`generator.m.<i>`, `discriminator.v.<i>`...).
    public var optimizers: String

    /// The files as named.
    public init(generator: String, discriminator: String, optimizers: String) {
        (self.generator, self.discriminator, self.optimizers) = (generator, discriminator, optimizers)
    }
}

/// What a generator-against-discriminator checkpoint holds: the two networks and their optimizers.
public struct AdversarialNetworks {
    /// G.
    public let generator: Module
    /// D.
    public let discriminator: Module
    /// G's optimizer.
    public let generatorOptimizer: Adam
    /// D's optimizer.
    public let discriminatorOptimizer: Adam

    /// The networks and optimizers as given.
    public init(generator: Module, discriminator: Module, generatorOptimizer: Adam, discriminatorOptimizer: Adam) {
        (self.generator, self.discriminator) = (generator, discriminator)
        (self.generatorOptimizer, self.discriminatorOptimizer) = (generatorOptimizer, discriminatorOptimizer)
    }

    /// Adam step counts of G and D, as `state.json` records them.
    public var optimizerSteps: [Int] { [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount] }

    /// The optimizers under the names of their moments in the optimizer file.
    var namedOptimizers: [(name: String, optimizer: Adam)] { [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] }

    /// The first weight or moment holding NaN or Inf ("parameter G.model.1.weight", "optimizer_D moments of
    /// parameter 3"), or nil.
    public func firstNonFiniteState() -> String? {
        if let name = generator.firstNonFiniteState() { return "parameter G.\(name)" }
        if let name = discriminator.firstNonFiniteState() { return "parameter D.\(name)" }
        if let k = generatorOptimizer.firstNonFiniteMoment() { return "optimizer_G moments of parameter \(k)" }
        if let k = discriminatorOptimizer.firstNonFiniteMoment() { return "optimizer_D moments of parameter \(k)" }
        return nil
    }
}

extension CheckpointFolder {
    /// The step-stamped files of a checkpoint at `step`.
    public func adversarialFiles(step: Int) -> AdversarialCheckpointFiles {
        AdversarialCheckpointFiles(generator: stampedFile("generator-", step: step), discriminator: stampedFile("discriminator-", step: step),
                                   optimizers: stampedFile("optimizers-", step: step))
    }

    /// Writes `networks` into `files`, then `state` (see `write(_:state:)`).
    /// - Throws: `Failure.cannotWrite`.
    public func write<State: CheckpointFolderState>(_ networks: AdversarialNetworks, files: AdversarialCheckpointFiles, state: State) throws(Failure) {
        try write([(files.generator, networks.generator.stateDict()), (files.discriminator, networks.discriminator.stateDict()),
                   (files.optimizers, Self.adamMoments(networks.namedOptimizers))], state: state)
    }

    /// Loads `networks` from `files`, the optimizers continuing at `optimizerSteps`.
    /// - Throws: `Failure.weights`, `.mismatch` or `.badState` naming the file at fault.
    public func load(_ networks: AdversarialNetworks, from files: AdversarialCheckpointFiles, optimizerSteps: [Int]) throws(Failure) {
        try Self.load(networks.generator, from: path(files.generator))
        try Self.load(networks.discriminator, from: path(files.discriminator))
        try restoreAdamMoments(networks.namedOptimizers, steps: optimizerSteps, from: files.optimizers)
    }
}
