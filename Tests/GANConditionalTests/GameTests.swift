import Foundation
import GANCore
import Testing
@testable import GANConditional

// The 1-D game of Goodfellow et al. 2014, Figure 4: p_data = N(4, 0.5²), G and D small MLPs,
// z ~ U[-1, 1). Seeded and deterministic; each test runs in a few seconds in a debug build.

private func moments(_ xs: [Float]) -> (mean: Float, std: Float) {
    let m = xs.reduce(0, +) / Float(xs.count)
    return (m, (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(xs.count)).squareRoot())
}

/// (a) With G fixed, D trained to convergence approaches D*(x) = p_data / (p_data + p_model).
/// p_model: histogram (bins 0.1 wide) of 100 000 samples of G. Checked where p_data ≥ 0.05 and x lies
/// one bin inside G's support (D is smooth, D* jumps at the support's edges): |D - D*| ≤ 0.1.
/// Where p_data ≥ 0.1 and p_model = 0, D* = 1: D ≥ 0.9.
@Test func discriminatorApproachesOptimalDiscriminator() {
    var configuration = ToyGameConfiguration()
    configuration.seed = 1
    configuration.generatorActivation = .tanh
    configuration.generatorWidths = [1, 32, 1]
    configuration.batchSize = 256
    configuration.discriminatorLearningRate = 5e-3
    let game = ToyGame(configuration: configuration)
    game.fitGenerator(toQuantilesOf: Gaussian1D(mean: 4.5, std: 0.6))
    for _ in 0..<1000 { game.discriminatorStep(objective: .nonsaturating) }

    let model = HistogramDensity(samples: game.generate(100_000), low: 1, high: 8, bins: 70)
    let points = stride(from: Float(2.5), through: 6.0, by: 0.1).map { $0 }
    let d = game.discriminatorProbabilities(points)
    var worstInside: Float = 0, checkedInside = 0, lowestOutside: Float = 1
    for (x, dx) in zip(points, d) {
        let pData = configuration.data.density(x), pModel = model.density(x)
        let inside = [x - 0.1, x, x + 0.1].allSatisfy { model.density($0) > 0 }
        if inside && pData >= 0.05 {
            let optimal = ToyGame.optimalDiscriminator(dataDensity: pData, modelDensity: pModel)
            worstInside = max(worstInside, abs(dx - optimal)); checkedInside += 1
        } else if pModel == 0 && pData >= 0.1 {
            lowestOutside = min(lowestOutside, dx)
        }
    }
    print("Figure 4 (a): max |D - D*| = \(worstInside) over \(checkedInside) points; min D where D* = 1: \(lowestOutside)")
    #expect(checkedInside >= 12)
    #expect(worstInside <= 0.1)
    #expect(lowestOutside >= 0.9)
}

/// (b) Training both players (3000 steps, batch 128, learning rates decayed linearly to 0 over the
/// second half) brings p_model to p_data: mean within 0.15 of 4, std within 0.1 of 0.5, and
/// D within 0.1 of 1/2 on μ ± 1σ.
@Test(arguments: [GANObjective.nonsaturating, .minimax])
func gameReachesEquilibrium(objective: GANObjective) {
    var configuration = ToyGameConfiguration()
    configuration.seed = 4
    configuration.batchSize = 128
    configuration.discriminatorLearningRate = 5e-3
    configuration.generatorLearningRate = 1e-3
    let game = ToyGame(configuration: configuration)
    game.train(objective: objective, steps: 3000)
    let (mean, std) = moments(game.generate(20_000))
    let d = game.discriminatorProbabilities([3.5, 3.75, 4, 4.25, 4.5])
    let worstD = d.map { abs($0 - 0.5) }.max()!
    print("Figure 4 (b) \(objective): generated mean \(mean), std \(std); max |D - 1/2| on [3.5, 4.5] = \(worstD)")
    #expect(abs(mean - 4) <= 0.15)
    #expect(abs(std - 0.5) <= 0.1)
    #expect(worstD <= 0.1)
}

/// (c) Early in training D rejects fakes confidently; at mean D(G(z)) ≈ 0.01 the minimax generator
/// loss log(1 - D) gives G(z) a gradient at least 10x smaller than the non-saturating -log D.
@Test func minimaxGeneratorGradientSaturates() {
    var configuration = ToyGameConfiguration()
    configuration.seed = 3
    let game = ToyGame(configuration: configuration)
    var steps = 0
    while game.generatorOutputGradient(objective: .minimax).meanD > 0.01 && steps < 2000 {
        game.discriminatorStep(objective: .minimax)
        steps += 1
    }
    let minimax = game.generatorOutputGradient(objective: .minimax)
    let nonsaturating = game.generatorOutputGradient(objective: .nonsaturating)
    let ratio = nonsaturating.meanMagnitude / minimax.meanMagnitude
    print("Figure 4 (c): after \(steps) D steps, mean D(G(z)) = \(minimax.meanD); mean |dL/dG(z)| minimax \(minimax.meanMagnitude), non-saturating \(nonsaturating.meanMagnitude), ratio \(ratio)")
    #expect(minimax.meanD <= 0.011 && minimax.meanD >= 0.001)
    #expect(ratio >= 10)
}
