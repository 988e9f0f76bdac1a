import Foundation
import GANCore

/// Settings of the one-dimensional game of Goodfellow et al. 2014, Figure 4.
public struct ToyGameConfiguration: Sendable, Equatable {
    /// The data distribution p_data.
    public var data = Gaussian1D(mean: 4, std: 0.5)
    /// The generator's input z is uniform on [latentLow, latentHigh).
    public var latentLow: Float = -1
    /// Upper end of z's range.
    public var latentHigh: Float = 1
    /// Layer widths of the generator (input 1, output 1).
    public var generatorWidths = [1, 16, 16, 1]
    /// The generator's nonlinearity (tanh gives a smooth p_model).
    public var generatorActivation = MLP.Activation.leakyReLU
    /// Layer widths of the discriminator (input 1, output one logit).
    public var discriminatorWidths = [1, 32, 32, 1]
    /// Real and generated samples per step.
    public var batchSize = 64
    /// Adam learning rate of the generator.
    public var generatorLearningRate: Float = 2e-3
    /// Adam learning rate of the discriminator.
    public var discriminatorLearningRate: Float = 2e-3
    /// Adam β1 of both players.
    public var beta1: Float = 0.5
    /// Discriminator steps per generator step (k in the paper's Algorithm 1).
    public var discriminatorStepsPerGeneratorStep = 1
    /// Whether D sees x standardised with p_data's mean and std, (x - μ)/σ, a fixed input scaling
    /// like the [-1, 1] pixel range of image GANs. Without it D's leaky-ReLU kinks mostly lie far from
    /// the data, D is nearly linear there, and it cannot see a wrong spread.
    public var standardizesDiscriminatorInput = true
    /// Seeds the initial weights and every sample drawn.
    public var seed: UInt64 = 0

    /// The paper's setting with default sizes.
    public init() {}
}

/// The 1-D GAN game: a generator MLP maps uniform noise to x, a discriminator MLP gives the logit
/// of "x is real"; both are trained with Adam on a chosen `GANObjective` (minimax or non-saturating).
///
/// The optimal discriminator for a fixed generator is D*(x) = p_data(x) / (p_data(x) + p_model(x))
/// (Proposition 1 of the paper); at the game's equilibrium p_model = p_data and D = 1/2.
public final class ToyGame {
    /// The settings this game was created with.
    public let configuration: ToyGameConfiguration
    /// G: z [N, 1] → x [N, 1].
    public let generator: MLP
    /// D: x [N, 1] → logit [N, 1].
    public let discriminator: MLP
    private let generatorOptimizer: Adam
    private let discriminatorOptimizer: Adam
    private var random: SeededGenerator

    /// Creates both players from `configuration.seed`.
    public init(configuration: ToyGameConfiguration = ToyGameConfiguration()) {
        self.configuration = configuration
        var random = SeededGenerator(seed: configuration.seed)
        generator = MLP(widths: configuration.generatorWidths, activation: configuration.generatorActivation, using: &random)
        discriminator = MLP(widths: configuration.discriminatorWidths, using: &random)
        generatorOptimizer = Adam(generator.parameters(), learningRate: configuration.generatorLearningRate, beta1: configuration.beta1)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: configuration.discriminatorLearningRate,
                                      beta1: configuration.beta1)
        self.random = random
    }

    /// `count` latent samples z ~ U[latentLow, latentHigh) as [count, 1].
    public func sampleLatent(_ count: Int) -> Tensor {
        Tensor.randomUniform([count, 1], low: configuration.latentLow, high: configuration.latentHigh, using: &random)
    }

    /// `count` generated samples G(z).
    public func generate(_ count: Int) -> [Float] {
        let z = sampleLatent(count)
        return withNoGrad { generator(Variable(z)) }.value.scalars
    }

    /// D's logits [N, 1] for samples x [N, 1], with the configured input scaling.
    public func discriminatorLogits(_ x: Variable) -> Variable {
        guard configuration.standardizesDiscriminatorInput else { return discriminator(x) }
        let data = configuration.data
        return discriminator(affine(x, scale: 1 / data.std, shift: -data.mean / data.std))
    }

    /// D(x) = sigmoid(logit) at each point of `points`.
    public func discriminatorProbabilities(_ points: [Float]) -> [Float] {
        let x = Variable(Tensor(shape: [points.count, 1], scalars: points))
        return withNoGrad { sigmoid(discriminatorLogits(x)) }.value.scalars
    }

    /// One discriminator update on a fresh batch of real and generated samples; returns L_D.
    @discardableResult
    public func discriminatorStep(objective: GANObjective) -> Float {
        let n = configuration.batchSize
        let real = Variable(configuration.data.sample(n, using: &random))
        let fake = withNoGrad { generator(Variable(sampleLatent(n))) }
        discriminatorOptimizer.zeroGrad()
        let loss = objective.discriminatorLoss(realLogits: discriminatorLogits(real), fakeLogits: discriminatorLogits(fake))
        loss.backward()
        discriminatorOptimizer.step()
        return loss.value.scalar
    }

    /// One generator update through a frozen discriminator; returns L_G.
    @discardableResult
    public func generatorStep(objective: GANObjective) -> Float {
        discriminator.setRequiresGrad(false)
        defer { discriminator.setRequiresGrad(true) }
        generatorOptimizer.zeroGrad()
        let fake = generator(Variable(sampleLatent(configuration.batchSize)))
        let loss = objective.generatorLoss(fakeLogits: discriminatorLogits(fake))
        loss.backward()
        generatorOptimizer.step()
        return loss.value.scalar
    }

    /// One iteration of Algorithm 1: k discriminator steps, then one generator step.
    /// Returns the last L_D and L_G.
    @discardableResult
    public func step(objective: GANObjective) -> (discriminatorLoss: Float, generatorLoss: Float) {
        var lossD: Float = 0
        for _ in 0..<configuration.discriminatorStepsPerGeneratorStep { lossD = discriminatorStep(objective: objective) }
        return (lossD, generatorStep(objective: objective))
    }

    /// Runs `steps` iterations of Algorithm 1 with both learning rates decayed linearly to 0 over the
    /// last `decayFraction` of them (CycleGAN's schedule), which damps the game's oscillation so that
    /// the final iterate sits near the equilibrium.
    public func train(objective: GANObjective, steps: Int, decayFraction: Float = 0.5) {
        let decaySteps = Int(Float(steps) * decayFraction)
        for i in 0..<steps {
            let remaining = steps - i
            let factor: Float = remaining <= decaySteps ? Float(remaining) / Float(decaySteps + 1) : 1
            generatorOptimizer.learningRate = configuration.generatorLearningRate * factor
            discriminatorOptimizer.learningRate = configuration.discriminatorLearningRate * factor
            step(objective: objective)
        }
        generatorOptimizer.learningRate = configuration.generatorLearningRate
        discriminatorOptimizer.learningRate = configuration.discriminatorLearningRate
    }

    /// The generator's learning signal on a fresh batch of `count` fakes: the mean over samples of
    /// |∂L_G/∂G(z)|, with L_G summed over samples (so the value is per sample, not shrunk by 1/N),
    /// and the mean D(G(z)) of that batch. Parameters are not changed and no gradient is left behind.
    public func generatorOutputGradient(objective: GANObjective, count: Int = 256) -> (meanMagnitude: Float, meanD: Float) {
        let fakes = withNoGrad { generator(Variable(sampleLatent(count))) }
        let x = Variable(fakes.value, requiresGrad: true)
        discriminator.setRequiresGrad(false)
        defer { discriminator.setRequiresGrad(true) }
        let logits = discriminatorLogits(x)
        let loss = objective.generatorLoss(fakeLogits: logits) * Float(count)
        loss.backward()
        let gradient = x.grad?.scalars ?? []
        let magnitude = gradient.reduce(0) { $0 + abs($1) } / Float(max(1, gradient.count))
        let probabilities = logits.value.scalars.map { 1 / (1 + expf(-$0)) }
        return (magnitude, probabilities.reduce(0, +) / Float(count))
    }

    /// Regresses G onto the quantile function of `target` (mean squared error, Adam, fresh z each
    /// step), so that p_model ≈ `target` with its tails cut at the 1st and 99th percentiles: a
    /// smooth, known generator for checking D against D*. Uses its own optimizer; G's game optimizer
    /// is untouched. Returns the final regression loss.
    @discardableResult
    public func fitGenerator(toQuantilesOf target: Gaussian1D, steps: Int = 500, learningRate: Float = 1e-2) -> Float {
        let optimizer = Adam(generator.parameters(), learningRate: learningRate)
        var loss: Float = 0
        for _ in 0..<steps {
            let z = sampleLatent(configuration.batchSize)
            let span = configuration.latentHigh - configuration.latentLow
            let targets = z.map { target.quantile(0.01 + 0.98 * ($0 - configuration.latentLow) / span) }
            optimizer.zeroGrad()
            let l = mseLoss(generator(Variable(z)), targets)
            l.backward()
            optimizer.step()
            loss = l.value.scalar
        }
        return loss
    }

    /// D*(x) = p_data(x) / (p_data(x) + p_model(x)); 1/2 where both densities are 0.
    public static func optimalDiscriminator(dataDensity: Float, modelDensity: Float) -> Float {
        let total = dataDensity + modelDensity
        return total > 0 ? dataDensity / total : 0.5
    }
}
