import GANCore
import GANImageIO

/// The losses of one U-GAT-IT training step.
public struct UGATITLosses: Sendable, Equatable, Codable, TranslationStepLosses {
    /// G_A's adversarial loss (patch and CAM logits of D_A's global and local discriminators on G_A(A)).
    public var generatorA: Float
    /// G_B's adversarial loss, the same on D_B.
    public var generatorB: Float
    /// ‖G_B(G_A(A)) − A‖₁ times λ_cycle.
    public var cycleA: Float
    /// ‖G_A(G_B(B)) − B‖₁ times λ_cycle.
    public var cycleB: Float
    /// ‖G_A(B) − B‖₁ times λ_cycle·λ_identity.
    public var identityA: Float
    /// ‖G_B(A) − A‖₁ times λ_cycle·λ_identity.
    public var identityB: Float
    /// G_A's CAM loss times λ_CAM: its classifier should call A "source" (1) and B "not source" (0).
    public var camA: Float
    /// G_B's CAM loss times λ_CAM.
    public var camB: Float
    /// D_A's loss (real B against G_A(A), global and local, patch and CAM logits).
    public var discriminatorA: Float
    /// D_B's loss.
    public var discriminatorB: Float

    /// Column names for logs: G_A, G_B, cycle_A, cycle_B, idt_A, idt_B, cam_A, cam_B, D_A, D_B.
    public static let names = ["G_A", "G_B", "cycle_A", "cycle_B", "idt_A", "idt_B", "cam_A", "cam_B", "D_A", "D_B"]
    /// The values in `names` order.
    public var values: [Float] { [generatorA, generatorB, cycleA, cycleB, identityA, identityB, camA, camB, discriminatorA, discriminatorB] }
}

/// U-GAT-IT (Kim et al. 2020) as znxlwm/UGATIT-pytorch's `UGATIT.train` (light): G_A: A → B and G_B: B → A are
/// `UGATITGenerator`s; D_A judges domain B and D_B domain A, each a global and a local `UGATITDiscriminator`
/// (`discriminatorLayers` + 4 and + 2 levels: U-GAT-IT's 7 and 5 at the default 3). Each step updates the discriminators first (LSGAN on patch and CAM logits, real against
/// the step's fakes), then both generators with the discriminators frozen: LSGAN on the same logits, λ_cycle·cycle
/// L1, λ_cycle·λ_identity·identity L1, and λ_CAM times the BCE of each generator's CAM classifier (1 on its source
/// domain, 0 on its target domain); then every AdaLIN/ILN mix ρ is clamped to [0, 1]. One Adam (weight decay 1e-4,
/// as U-GAT-IT's) optimises both generators, another the four discriminators. The generators run once a step: the
/// discriminators' step reads their outputs detached, which gives the reference's updates without its second
/// forward pass.
public final class UGATITModel: @unchecked Sendable {
    /// The settings the model was built with (`method` is `.ugatit`).
    public let options: CycleGANOptions
    /// A → B generator.
    public let generatorA: UGATITGenerator
    /// B → A generator.
    public let generatorB: UGATITGenerator
    /// The discriminators of domain B (judging G_A's output): global, local.
    public let discriminatorsA: (global: UGATITDiscriminator, local: UGATITDiscriminator)
    /// The discriminators of domain A (judging G_B's output): global, local.
    public let discriminatorsB: (global: UGATITDiscriminator, local: UGATITDiscriminator)
    /// Optimizer of G_A and G_B.
    public let generatorOptimizer: Adam
    /// Optimizer of the four discriminators.
    public let discriminatorOptimizer: Adam

    /// Levels of the global discriminators: `discriminatorLayers` + 4 (7 by default); the local ones have 2 fewer.
    public static func globalLevels(_ options: CycleGANOptions) -> Int { options.discriminatorLayers + 4 }

    /// Adam's L2 weight decay (U-GAT-IT's `--weight_decay`).
    public static let weightDecay: Float = 1e-4

    /// Builds the networks with PyTorch's default initialisation drawn from `seed` (generators `ngf` wide with
    /// `resnetBlocks` plain and as many AdaLIN blocks; discriminators `ndf` wide, `globalLevels` and `localLevels`
    /// deep) and both optimizers.
    public init(options: CycleGANOptions = .ugatit(), seed: UInt64 = 0) {
        precondition(options.method == .ugatit, "UGATITModel: options.method must be .ugatit")
        precondition(options.problem == nil, "UGATITModel: \(options.problem ?? "")")
        self.options = options
        var rng = SeededGenerator(seed: seed)
        generatorA = UGATITGenerator(ngf: options.ngf, blocks: options.resnetBlocks, using: &rng)
        generatorB = UGATITGenerator(ngf: options.ngf, blocks: options.resnetBlocks, using: &rng)
        func pair() -> (UGATITDiscriminator, UGATITDiscriminator) {
            (UGATITDiscriminator(ndf: options.ndf, layers: Self.globalLevels(options), using: &rng),
             UGATITDiscriminator(ndf: options.ndf, layers: Self.globalLevels(options) - 2, using: &rng))
        }
        discriminatorsA = pair()
        discriminatorsB = pair()
        generatorOptimizer = Adam(generatorA.parameters() + generatorB.parameters(), learningRate: options.learningRate,
                                  beta1: options.beta1, weightDecay: Self.weightDecay)
        discriminatorOptimizer = Adam(Self.discriminators(discriminatorsA, discriminatorsB).flatMap { $0.parameters() },
                                      learningRate: options.learningRate, beta1: options.beta1, weightDecay: Self.weightDecay)
    }

    /// The networks by the names of their weight files: G_A, G_B, D_A, D_A_local, D_B, D_B_local.
    public var networks: [(name: String, module: Module)] {
        [("G_A", generatorA), ("G_B", generatorB), ("D_A", discriminatorsA.global), ("D_A_local", discriminatorsA.local),
         ("D_B", discriminatorsB.global), ("D_B_local", discriminatorsB.local)]
    }

    /// One optimisation step on a batch of each domain ([N, 3, H, W] in [-1, 1], H and W multiples of 4, at least 32).
    @discardableResult
    public func trainStep(realA: Tensor, realB: Tensor) -> UGATITLosses { trainStepWithVisuals(realA: realA, realB: realB).losses }

    /// `trainStep` that also returns the forward pass's images (CycleGAN's sample rows).
    public func trainStepWithVisuals(realA a: Tensor, realB b: Tensor) -> (losses: UGATITLosses, visuals: CycleGANVisuals) {
        let realA = Variable(a), realB = Variable(b)
        let (fakeB, camOfA) = generatorA.translate(realA)  // G_A's classifier on its source domain
        let (fakeA, camOfB) = generatorB.translate(realB)

        // Discriminators: real against the detached fakes.
        discriminatorOptimizer.zeroGrad()
        let lossDA = discriminatorLoss(discriminatorsA, real: realB, fake: Variable(fakeB.value))
        let lossDB = discriminatorLoss(discriminatorsB, real: realA, fake: Variable(fakeA.value))
        (lossDA + lossDB).backward()
        discriminatorOptimizer.step()

        // Generators, discriminators frozen.
        let discriminators = Self.discriminators(discriminatorsA, discriminatorsB)
        for d in discriminators { d.setRequiresGrad(false) }
        generatorOptimizer.zeroGrad()
        let adversarialA = adversarial(fakeB, through: discriminatorsA), adversarialB = adversarial(fakeA, through: discriminatorsB)
        let reconstructedA = generatorB(fakeB), reconstructedB = generatorA(fakeA)
        let cycleA = l1Loss(reconstructedA, realA) * options.lambdaCycle, cycleB = l1Loss(reconstructedB, realB) * options.lambdaCycle
        let (identityB, camOfAInB) = generatorB.translate(realA)  // G_B on its target domain
        let (identityA, camOfBInA) = generatorA.translate(realB)
        let identityWeight = options.lambdaCycle * options.lambdaIdentity
        let idtA = l1Loss(identityA, realB) * identityWeight, idtB = l1Loss(identityB, realA) * identityWeight
        let camA = (bceWithLogitsLoss(camOfA, 1) + bceWithLogitsLoss(camOfBInA, 0)) * options.lambdaCAM
        let camB = (bceWithLogitsLoss(camOfB, 1) + bceWithLogitsLoss(camOfAInB, 0)) * options.lambdaCAM
        (adversarialA + adversarialB + cycleA + cycleB + idtA + idtB + camA + camB).backward()
        generatorOptimizer.step()
        generatorA.clampMixes()
        generatorB.clampMixes()
        for d in discriminators { d.setRequiresGrad(true) }

        let losses = UGATITLosses(generatorA: adversarialA.value.scalar, generatorB: adversarialB.value.scalar,
                                  cycleA: cycleA.value.scalar, cycleB: cycleB.value.scalar, identityA: idtA.value.scalar,
                                  identityB: idtB.value.scalar, camA: camA.value.scalar, camB: camB.value.scalar,
                                  discriminatorA: lossDA.value.scalar, discriminatorB: lossDB.value.scalar)
        let visuals = CycleGANVisuals(realA: a, fakeB: fakeB.value, reconstructedA: reconstructedA.value,
                                      realB: b, fakeA: fakeA.value, reconstructedB: reconstructedB.value)
        return (losses, visuals)
    }

    /// The four discriminators in their optimizer's order: D_A global, local, D_B global, local.
    static func discriminators(_ a: (global: UGATITDiscriminator, local: UGATITDiscriminator),
                               _ b: (global: UGATITDiscriminator, local: UGATITDiscriminator)) -> [UGATITDiscriminator] {
        [a.global, a.local, b.global, b.local]
    }

    /// Σ over both discriminators and both logit kinds of MSE(D(real), 1) + MSE(D(fake), 0).
    private func discriminatorLoss(_ pair: (global: UGATITDiscriminator, local: UGATITDiscriminator), real: Variable, fake: Variable) -> Variable {
        let terms = [pair.global, pair.local].flatMap { d -> [Variable] in
            let (r, f) = (d.judge(real), d.judge(fake))
            return [mseLoss(r.patches, 1) + mseLoss(f.patches, 0), mseLoss(r.camLogits, 1) + mseLoss(f.camLogits, 0)]
        }
        return terms.dropFirst().reduce(terms[0], +)
    }

    /// Σ over both discriminators and both logit kinds of MSE(D(fake), 1).
    private func adversarial(_ fake: Variable, through pair: (global: UGATITDiscriminator, local: UGATITDiscriminator)) -> Variable {
        let terms = [pair.global, pair.local].flatMap { d -> [Variable] in
            let judged = d.judge(fake)
            return [mseLoss(judged.patches, 1), mseLoss(judged.camLogits, 1)]
        }
        return terms.dropFirst().reduce(terms[0], +)
    }
}

extension UGATITModel: TranslationTrainable {
    /// optimizer_G (G_A and G_B), optimizer_D (the four discriminators).
    public var optimizers: [(name: String, optimizer: Adam)] { [("optimizer_G", generatorOptimizer), ("optimizer_D", discriminatorOptimizer)] }
    /// G_A and G_B.
    public var exportedGenerators: [(name: String, module: Module)] { [("G_A", generatorA), ("G_B", generatorB)] }
    /// optimizer_G's learning rate.
    public var learningRate: Float { generatorOptimizer.learningRate }
    /// CycleGAN's grid: real A | G_A(A) | G_B(G_A(A)) over real B | G_B(B) | G_A(G_B(B)).
    public static func sampleGrid(_ visuals: CycleGANVisuals) throws(ImageIOError) -> Image { try CycleGANModel.sampleGrid(visuals) }
    /// The state with both optimizers' step counts (no pools, no sampler).
    public func trainingState(step: Int, epoch: Int, index: Int, dataSeed: UInt64, trainingSeconds: Double,
                              skippedItems: [DataPosition]?) -> CycleGANTrainingState {
        CycleGANTrainingState(step: step, epoch: epoch, index: index, dataSeed: dataSeed, options: options, poolGeneratorStates: [],
                              optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                              trainingSeconds: trainingSeconds, skippedItems: skippedItems)
    }
    /// The generators (G_A, G_B), then the discriminators.
    public var optimizedNetworks: [[(name: String, module: Module)]] { [Array(networks.prefix(2)), Array(networks.dropFirst(2))] }
    /// U-GAT-IT.
    public static var trainedMethods: [TranslationMethod] { [.ugatit] }
}
