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

    @Test func channelAffineGradients() {
        let x = randomParameter([2, 3, 2, 2], seed: 37)
        let s = randomParameter([2, 3], seed: 38), t = randomParameter([2, 3], seed: 39)
        expectGradientsMatch([x, s, t]) { channelAffine(x, scale: s, shift: t) }
    }
}
