import GANCore

/// The adversarial loss of a conditional-GAN run (`GANObjective` by name, for checkpoints and flags).
public enum ConditionalLoss: String, Codable, Sendable, CaseIterable {
    /// Goodfellow's zero-sum game.
    case minimax
    /// Non-saturating generator cost -log D(G(z)).
    case nonsaturating
    /// Least squares (LSGAN).
    case lsgan
    /// Hinge loss (the default for projection discriminators).
    case hinge

    /// The engine's objective of this name.
    public var objective: GANObjective { GANObjective(rawValue: rawValue)! }
}

/// How a label-conditional GAN is trained: hinge loss (Lim & Ye 2017) by default, Adam with SNGAN's
/// betas (0, 0.9), n_dis discriminator steps per generator step. Stored in checkpoints.
public struct ConditionalTrainingOptions: Codable, Sendable, Equatable {
    /// The adversarial loss.
    public var loss = ConditionalLoss.hinge
    /// Real images (and generated ones) per step.
    public var batchSize = 64
    /// Adam learning rate of the generator.
    public var generatorLearningRate: Float = 2e-4
    /// Adam learning rate of the discriminator.
    public var discriminatorLearningRate: Float = 2e-4
    /// Adam β1 of both networks.
    public var beta1: Float = 0
    /// Adam β2 of both networks.
    public var beta2: Float = 0.9
    /// Discriminator steps per generator step (n_dis).
    public var discriminatorSteps = 1
    /// Seeds the initial weights and, together with the step number, every batch, latent and label,
    /// so that a run resumed from a checkpoint takes exactly the same steps.
    public var seed: UInt64 = 0
    /// Decay of the generator's exponential moving average (`WeightAverage`), sampled from instead of the
    /// last weights when set (0.999 is typical); nil keeps no average.
    public var averageDecay: Float?
    /// Weight of the AC-GAN class cross-entropy in both losses (AC-GAN head only); nil means 1.
    public var classLossWeight: Float?
    /// Linear learning-rate decay: both rates are constant before this step and fall linearly to zero at
    /// `decayEndStep` (nil: constant rates throughout).
    public var decayStartStep: Int?
    /// The step at which the decayed learning rates reach zero (with `decayStartStep`).
    public var decayEndStep: Int?
    /// Weight λ of the diversity term in the generator's loss (nil: none). The generator step then draws its
    /// batch as pairs that share a label, and G also minimises λ·mean_i max(0, τ_y − mean|G(z₁, y) − G(z₂, y)|) over
    /// its pairs, where τ_y is the mean L1 distance between two real training images of class y: a hinge on mode
    /// seeking (Mao et al. 2019; Yang et al. 2019) that pushes two latents of one class apart only until they differ
    /// as much as two real images of that class do.
    public var diversityWeight: Float?
    /// τ_y of the diversity term as this quantile (in (0, 1)) of the real same-class pair distances instead of their
    /// mean (nil): with 0.1, only pairs closer than nine in ten real pairs of their class are pushed apart, so a
    /// generator as varied as the data is hardly pushed at all.
    public var diversityQuantile: Float?
    /// Weight λ of balanced consistency regularization (Zhao et al. 2020; nil: none). Every discriminator step also
    /// minimises λ·(mean (D(x, y) − D(T(x), y))² + mean (D(G(z), y) − D(T(G(z)), y))²) over its real and generated
    /// batches, T moving each image by up to `imageSize / 8` pixels each way (`ImageShift`): D is asked to give an
    /// image and its slightly moved copy the same score, so it cannot lean on details a shift destroys. The paper
    /// uses 10. One more discriminator pass (real and generated together) per discriminator step.
    public var consistencyWeight: Float?
    /// Top-k training (Sinha et al. 2020; nil: off): G's adversarial loss takes only this fraction (in (0, 1]) of its
    /// batch, the generated images D scores highest, so the samples D already rejects do not steer G's update. The
    /// paper ends at 0.5-0.75 of the batch. The AC-GAN class loss and the diversity term still see the whole batch.
    public var generatorTopFraction: Float?

    /// The multiplier of both learning rates for the step that follows `completedSteps` steps:
    /// 1 before `decayStartStep`, then (end − completedSteps) / (end − start), never below 0.
    public func learningRateFactor(completedSteps: Int) -> Float {
        guard let start = decayStartStep, let end = decayEndStep, end > start, completedSteps >= start else { return 1 }
        return max(0, Float(end - completedSteps) / Float(end - start))
    }

    /// The defaults.
    public init() {}

    /// Creates options; unspecified fields keep their defaults.
    public init(loss: ConditionalLoss = .hinge, batchSize: Int = 64, generatorLearningRate: Float = 2e-4, discriminatorLearningRate: Float = 2e-4,
                beta1: Float = 0, beta2: Float = 0.9, discriminatorSteps: Int = 1, seed: UInt64 = 0) {
        self.loss = loss
        (self.batchSize, self.generatorLearningRate, self.discriminatorLearningRate) = (batchSize, generatorLearningRate, discriminatorLearningRate)
        (self.beta1, self.beta2, self.discriminatorSteps, self.seed) = (beta1, beta2, discriminatorSteps, seed)
    }
}

/// The losses of one training step.
public struct ConditionalStepLosses: Codable, Sendable, Equatable {
    /// The step these losses belong to (1 for the first).
    public var step: Int
    /// Loss of the discriminator (its last sub-step).
    public var discriminator: Float
    /// Loss of the generator (for hinge, -mean D(G(z, y), y), plus the diversity term when it is on).
    public var generator: Float
    /// With the diversity term: mean|G(z₁, y) − G(z₂, y)| of the step's pairs (nil without it).
    public var pairDistance: Float?
    /// With consistency regularization: the unweighted term of D's last sub-step, mean (D(x) − D(T(x)))² over the
    /// real batch plus the same over the generated one (nil without it).
    public var consistency: Float?
}
