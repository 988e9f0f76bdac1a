import GANCore

/// The losses of one CycleGAN training step, named as junyanz prints them.
public struct CycleGANLosses: Sendable, Equatable, Codable {
    /// G_A's adversarial loss: D_A on G_A(real A).
    public var generatorA: Float
    /// G_B's adversarial loss: D_B on G_B(real B).
    public var generatorB: Float
    /// ‖G_B(G_A(A)) − A‖₁ times lambda.
    public var cycleA: Float
    /// ‖G_A(G_B(B)) − B‖₁ times lambda.
    public var cycleB: Float
    /// ‖G_A(B) − B‖₁ times lambda·lambda_identity (0 when identity is off).
    public var identityA: Float
    /// ‖G_B(A) − A‖₁ times lambda·lambda_identity (0 when identity is off).
    public var identityB: Float
    /// D_A's loss (real B against pooled fakes B), halved.
    public var discriminatorA: Float
    /// D_B's loss (real A against pooled fakes A), halved.
    public var discriminatorB: Float

    /// Column names for logs, in field order: G_A, G_B, cycle_A, cycle_B, idt_A, idt_B, D_A, D_B.
    public static let names = ["G_A", "G_B", "cycle_A", "cycle_B", "idt_A", "idt_B", "D_A", "D_B"]

    /// The values in `names` order.
    public var values: [Float] { [generatorA, generatorB, cycleA, cycleB, identityA, identityB, discriminatorA, discriminatorB] }

    /// Whether every loss is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}

/// The tensors of one step's forward pass, kept for sample grids.
public struct CycleGANVisuals: Sendable {
    /// real A, G_A(A), G_B(G_A(A)).
    public var realA, fakeB, reconstructedA: Tensor
    /// real B, G_B(B), G_A(G_B(B)).
    public var realB, fakeA, reconstructedB: Tensor
}

/// CycleGAN (Zhu et al. 2017) as junyanz's `models/cycle_gan_model.py`: G_A: A → B and G_B: B → A are
/// `ResnetGenerator`s, D_A judges domain B and D_B judges domain A (`NLayerDiscriminator` PatchGANs).
/// One Adam optimises both generators, another both discriminators.
public final class CycleGANModel: @unchecked Sendable {
    /// The settings the model was built with.
    public let options: CycleGANOptions
    /// A → B generator.
    public let generatorA: ResnetGenerator
    /// B → A generator.
    public let generatorB: ResnetGenerator
    /// Discriminator of domain B (judges G_A's output).
    public let discriminatorA: NLayerDiscriminator
    /// Discriminator of domain A (judges G_B's output).
    public let discriminatorB: NLayerDiscriminator
    /// With `options.discriminatorScales` > 1: copies of D_A and D_B on the images average-pooled to 1/2 (then 1/4),
    /// saved as `D_A_scale2`, `D_B_scale2`... (pix2pixHD's multi-scale discriminator).
    public let coarseDiscriminators: [(a: NLayerDiscriminator, b: NLayerDiscriminator)]
    /// Optimizer of G_A and G_B together (`optimizer_G`).
    public let generatorOptimizer: Adam
    /// Optimizer of D_A and D_B together (`optimizer_D`).
    public let discriminatorOptimizer: Adam
    /// History of fake B images for D_A.
    public var fakeBPool: ImagePool
    /// History of fake A images for D_B.
    public var fakeAPool: ImagePool

    /// Builds the four networks with PyTorch's default initialisation drawn from `seed`, the two
    /// optimizers (Adam, beta1 from the options, beta2 0.999), and empty pools.
    public init(options: CycleGANOptions = CycleGANOptions(), seed: UInt64 = 0) {
        self.options = options
        var rng = SeededGenerator(seed: seed)
        generatorA = ResnetGenerator(options: options.generatorOptions, using: &rng)
        generatorB = ResnetGenerator(options: options.generatorOptions, using: &rng)
        discriminatorA = NLayerDiscriminator(options: options.discriminatorOptions, using: &rng)
        discriminatorB = NLayerDiscriminator(options: options.discriminatorOptions, using: &rng)
        coarseDiscriminators = (1..<max(1, options.discriminatorScales)).map { _ in
            (NLayerDiscriminator(options: options.discriminatorOptions, using: &rng), NLayerDiscriminator(options: options.discriminatorOptions, using: &rng))
        }
        generatorOptimizer = Adam(generatorA.parameters() + generatorB.parameters(),
                                           learningRate: options.learningRate, beta1: options.beta1)
        discriminatorOptimizer = Adam(discriminatorA.parameters() + discriminatorB.parameters()
                                      + coarseDiscriminators.flatMap { $0.a.parameters() + $0.b.parameters() },
                                      learningRate: options.learningRate, beta1: options.beta1)
        fakeBPool = ImagePool(capacity: options.poolSize, generator: CheckpointableGenerator(seed: seed, 1, 0))
        fakeAPool = ImagePool(capacity: options.poolSize, generator: CheckpointableGenerator(seed: seed, 2, 0))
    }

    /// The networks by the names their weight files carry: G_A, G_B, D_A, D_B.
    public var networks: [(name: String, module: Module)] {
        [("G_A", generatorA), ("G_B", generatorB), ("D_A", discriminatorA), ("D_B", discriminatorB)]
            + coarseDiscriminators.enumerated().flatMap { k, d in [("D_A_scale\(k + 2)", d.a as Module), ("D_B_scale\(k + 2)", d.b as Module)] }
    }

    /// One optimisation step on a batch of each domain ([N, 3, H, W] in [-1, 1], H and W multiples of 4),
    /// exactly as junyanz's `optimize_parameters`: forward; generators' step with both discriminators frozen;
    /// then the discriminators' step on pooled fakes (each loss halved).
    @discardableResult
    public func trainStep(realA: Tensor, realB: Tensor) -> CycleGANLosses {
        trainStepWithVisuals(realA: realA, realB: realB).losses
    }

    /// `trainStep` that also returns the forward pass's images.
    public func trainStepWithVisuals(realA a: Tensor, realB b: Tensor) -> (losses: CycleGANLosses, visuals: CycleGANVisuals) {
        let realA = Variable(a), realB = Variable(b)
        let lambda = options.lambdaCycle, identityWeight = options.lambdaCycle * options.lambdaIdentity
        let objective = options.objective
        // forward()
        let fakeB = generatorA(realA)
        let reconstructedA = generatorB(fakeB)
        let fakeA = generatorB(realB)
        let reconstructedB = generatorA(fakeA)

        // Generators: D_A and D_B frozen.
        let allDiscriminators = [(discriminatorA, discriminatorB)] + coarseDiscriminators
        for d in allDiscriminators { d.0.setRequiresGrad(false); d.1.setRequiresGrad(false) }
        generatorOptimizer.zeroGrad()
        var lossG = adversarial(fakeB, through: allDiscriminators.map(\.0))
        let lossGA = lossG.value.scalar
        let adversarialB = adversarial(fakeA, through: allDiscriminators.map(\.1))
        let cycleA = l1Loss(reconstructedA, realA) * lambda
        let cycleB = l1Loss(reconstructedB, realB) * lambda
        lossG = lossG + adversarialB + cycleA + cycleB
        var identityA: Float = 0, identityB: Float = 0
        if options.lambdaIdentity > 0 {
            let idtA = l1Loss(generatorA(realB), realB) * identityWeight
            let idtB = l1Loss(generatorB(realA), realA) * identityWeight
            identityA = idtA.value.scalar
            identityB = idtB.value.scalar
            lossG = lossG + idtA + idtB
        }
        lossG.backward()
        generatorOptimizer.step()
        for d in allDiscriminators { d.0.setRequiresGrad(true); d.1.setRequiresGrad(true) }

        // Discriminators on pooled (detached) fakes.
        discriminatorOptimizer.zeroGrad()
        let pooledB = fakeBPool.query(fakeB.value)
        let lossDA = discriminatorLoss(allDiscriminators.map(\.0), real: realB, fake: Variable(pooledB))
        lossDA.backward()
        let pooledA = fakeAPool.query(fakeA.value)
        let lossDB = discriminatorLoss(allDiscriminators.map(\.1), real: realA, fake: Variable(pooledA))
        lossDB.backward()
        discriminatorOptimizer.step()

        let losses = CycleGANLosses(generatorA: lossGA, generatorB: adversarialB.value.scalar,
                                    cycleA: cycleA.value.scalar, cycleB: cycleB.value.scalar,
                                    identityA: identityA, identityB: identityB,
                                    discriminatorA: lossDA.value.scalar, discriminatorB: lossDB.value.scalar)
        let visuals = CycleGANVisuals(realA: a, fakeB: fakeB.value, reconstructedA: reconstructedA.value,
                                      realB: b, fakeA: fakeA.value, reconstructedB: reconstructedB.value)
        return (losses, visuals)
    }

    /// junyanz `backward_D_basic`: (L(D(real), true) + L(D(fake), false)) · 0.5. GANCore's `.lsgan`
    /// discriminator loss already carries the 0.5; the other objectives get it here.
    /// `x` average-pooled by 2 `times` (the input of the discriminator of scale `times + 1`).
    static func downscaled(_ x: Variable, times: Int) -> Variable {
        (0..<times).reduce(x) { image, _ in avgPool2d(image, kernel: 2) }
    }

    /// G's adversarial loss against the discriminators of every scale, summed: scale k sees `fake` pooled k − 1 times.
    private func adversarial(_ fake: Variable, through scales: [NLayerDiscriminator]) -> Variable {
        let terms = scales.enumerated().map { k, d in options.objective.generatorLoss(fakeLogits: d(Self.downscaled(fake, times: k))) }
        return terms.dropFirst().reduce(terms[0], +)
    }

    private func discriminatorLoss(_ scales: [NLayerDiscriminator], real: Variable, fake: Variable) -> Variable {
        let terms = scales.enumerated().map { k, d in
            let loss = options.objective.discriminatorLoss(realLogits: d(Self.downscaled(real, times: k)), fakeLogits: d(Self.downscaled(fake, times: k)))
            return options.objective == .lsgan ? loss : loss * 0.5
        }
        return terms.dropFirst().reduce(terms[0], +)
    }
}
