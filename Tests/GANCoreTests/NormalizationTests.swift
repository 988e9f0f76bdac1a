import Testing
@testable import GANCore

@Suite struct NormalizationTests {
    @Test func instanceNormNormalizesEachPlane() {
        let x = Variable(Tensor(shape: [1, 1, 1, 4], scalars: [1, 2, 3, 4]))
        let y = instanceNorm(x).value.scalars
        // Biased variance of 1...4 is 1.25.
        let expected = [1, 2, 3, 4].map { (Float($0) - 2.5) / (1.25 + 1e-5).squareRoot() }
        for (a, b) in zip(y, expected) { #expect(abs(a - b) < 1e-5) }
    }

    @Test func instanceNormGradients() {
        let x = randomParameter([2, 3, 3, 3], seed: 31)
        let w = randomParameter([3], seed: 32), b = randomParameter([3], seed: 33)
        expectGradientsMatch([x, w, b]) { instanceNorm(x, weight: w, bias: b) }
        expectGradientsMatch([x]) { instanceNorm(x) }
    }

    @Test func batchNormUpdatesRunningStatisticsLikePyTorch() {
        // Channel 0 holds 1...4 over a batch of 2 and 2 pixels: mean 2.5, unbiased variance 5/3.
        let x = Variable(Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4]))
        let runningMean = Variable(Tensor.zeros([1])), runningVariance = Variable(Tensor.ones([1]))
        _ = batchNorm(x, runningMean: runningMean, runningVariance: runningVariance, training: true)
        #expect(abs(runningMean.value.scalars[0] - 0.25) < 1e-6)
        #expect(abs(runningVariance.value.scalars[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-6)
        let eval = batchNorm(x, runningMean: runningMean, runningVariance: runningVariance, training: false)
        let expected = (Float(1) - 0.25) / (runningVariance.value.scalars[0] + 1e-5).squareRoot()
        #expect(abs(eval.value.scalars[0] - expected) < 1e-5)
    }

    @Test func batchNormGradients() {
        let x = randomParameter([3, 2, 2, 3], seed: 34)
        let w = randomParameter([2], seed: 35), b = randomParameter([2], seed: 36)
        expectGradientsMatch([x, w, b]) { batchNorm(x, weight: w, bias: b, training: true) }
        let rm = Variable(Tensor(shape: [2], scalars: [0.1, -0.2])), rv = Variable(Tensor(shape: [2], scalars: [0.5, 2]))
        expectGradientsMatch([x, w, b]) {
            batchNorm(x, weight: w, bias: b, runningMean: rm, runningVariance: rv, training: false)
        }
    }

    @Test func layerInstanceNormMixesBothNormsAndHasGradients() {
        let x = randomParameter([2, 3, 4, 3], seed: 41), rho = randomParameter([3], seed: 42)
        expectGradientsMatch([x, rho]) { layerInstanceNorm(x, rho: rho) }
        expectGradientsMatch([rho]) { repeatedRows(rho, count: 4) }
        // ρ = 1 is instance norm; ρ = 0 is each sample normalised over all its values.
        let one = layerInstanceNorm(x, rho: Variable(.ones([3]))).value.scalars, instance = instanceNorm(x).value.scalars
        #expect(zip(one, instance).allSatisfy { abs($0 - $1) < 1e-5 })
        let zero = layerInstanceNorm(x, rho: Variable(.zeros([3]))).value.scalars
        let sample = Array(x.value.scalars[0..<36]), mean = sample.reduce(0, +) / 36
        let variance = sample.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 36
        #expect(abs(zero[5] - (sample[5] - mean) / (variance + 1e-5).squareRoot()) < 1e-4)
    }

    @Test func channelAffineGradients() {
        let x = randomParameter([2, 3, 2, 2], seed: 37)
        let s = randomParameter([2, 3], seed: 38), t = randomParameter([2, 3], seed: 39)
        expectGradientsMatch([x, s, t]) { channelAffine(x, scale: s, shift: t) }
    }
}

/// The fused instance norm + ReLU gives exactly what the two ops give one after the other,
/// forward and backward, and its gradient passes the finite-difference check.
@Test func fusedInstanceNormReLUMatchesTheTwoOps() {
    var rng = SeededGenerator(seed: 21)
    let xValue = Tensor.randomNormal([2, 3, 5, 4], using: &rng)
    let gammaValue = Tensor.randomNormal([3], mean: 1, std: 0.3, using: &rng), betaValue = Tensor.randomNormal([3], using: &rng)
    func run(fused: Bool) -> [Tensor] {
        let x = Variable.parameter(xValue), gamma = Variable.parameter(gammaValue), beta = Variable.parameter(betaValue)
        let y = fused ? instanceNorm(x, weight: gamma, bias: beta, fusedReLU: true) : relu(instanceNorm(x, weight: gamma, bias: beta))
        var upstream = SeededGenerator(seed: 3)
        sum(y * Variable(Tensor.randomNormal(y.shape, using: &upstream))).backward()
        return [y.value, x.grad!, gamma.grad!, beta.grad!]
    }
    for (a, b) in zip(run(fused: true), run(fused: false)) {
        #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
    }
    let x = randomParameter([1, 2, 4, 4], seed: 5)
    expectGradientsMatch([x]) { instanceNorm(x, fusedReLU: true) }
}

@Test func standingStatisticsAreThePlainMeanOfThePasses() {
    // Three batches of one channel: means 2.5, 10, -1; unbiased variances 5/3, 0, 8/3 (2 images × 2 pixels each).
    let batches: [[Float]] = [[1, 2, 3, 4], [10, 10, 10, 10], [-3, -1, 1, -1]]
    let norm = BatchNorm2d(channels: 1)
    norm.eval()
    _ = withNoGrad { norm.train(); defer { norm.eval() }; return norm(Variable(Tensor(shape: [2, 1, 1, 2], scalars: [7, 7, 8, 9]))) }
    StandingStatistics.recompute(norm, passes: batches.count) { k in
        #expect(norm.isTraining)
        _ = norm(Variable(Tensor(shape: [2, 1, 1, 2], scalars: batches[k])))
    }
    #expect(!norm.isTraining)   // back in the mode it was in
    #expect(abs(norm.runningMean.value.scalars[0] - (2.5 + 10 - 1) / 3) < 1e-5)
    #expect(abs(norm.runningVariance.value.scalars[0] - (5.0 / 3 + 0 + 8.0 / 3) / 3) < 1e-5)
    #expect(norm.batchesTracked.value.scalars[0] == 3)
    // Outside `recompute`, training passes use the momentum again: r ← 0.9·r + 0.1·batch.
    let before = norm.runningMean.value.scalars[0]
    norm.train()
    _ = withNoGrad { norm(Variable(Tensor(shape: [2, 1, 1, 2], scalars: batches[1]))) }
    #expect(abs(norm.runningMean.value.scalars[0] - (0.9 * before + 0.1 * 10)) < 1e-5)
}
