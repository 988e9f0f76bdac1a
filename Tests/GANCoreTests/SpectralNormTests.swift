import Testing
@testable import GANCore

@Suite struct SpectralNormTests {
    @Test func powerIterationFindsLargestSingularValue() {
        // diag(3, 1) padded into a [2, 1, 1, 2] conv weight: σ = 3.
        let w = Variable.parameter(Tensor(shape: [2, 1, 1, 2], scalars: [3, 0, 0, 1]))
        let u = Variable(Tensor(shape: [2], scalars: [0.6, 0.8])), v = Variable(Tensor(shape: [2], scalars: [0.6, 0.8]))
        var y = w
        for _ in 0..<30 { y = spectralNormalized(w, u: u, v: v, training: true) }
        #expect(abs(y.value.scalars[0] - 1) < 1e-4)
        #expect(abs(y.value.scalars[3] - 1.0 / 3.0) < 1e-4)
        // Evaluation does not move u.
        let before = u.value
        _ = spectralNormalized(w, u: u, v: v, training: false)
        #expect(u.value == before)
    }

    @Test func spectralNormGradients() {
        let w = randomParameter([3, 2, 2, 2], seed: 51)
        let u = Variable(Tensor(shape: [3], scalars: [0.2, 0.5, 0.84]))
        let v = Variable(Tensor.zeros([8]))
        _ = spectralNormalized(w, u: u, v: v, training: true)
        expectGradientsMatch([w]) { spectralNormalized(w, u: u, v: v, training: false) }
        // Transposed-convolution layout: rows are dim 1.
        let wt = randomParameter([2, 3, 2, 2], seed: 52)
        let ut = Variable(Tensor(shape: [3], scalars: [0.2, 0.5, 0.84])), vt = Variable(Tensor.zeros([8]))
        _ = spectralNormalized(wt, u: ut, v: vt, dim: 1, training: true)
        expectGradientsMatch([wt]) { spectralNormalized(wt, u: ut, v: vt, dim: 1, training: false) }
    }
}
