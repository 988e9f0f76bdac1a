import Testing
@testable import GANCore

@Suite struct ElementwiseTests {
    @Test func arithmeticGradients() {
        let a = randomParameter([2, 3, 2, 2], seed: 11), b = randomParameter([2, 3, 2, 2], seed: 12)
        expectGradientsMatch([a, b]) { (a + b) * a - b * 0.5 + 2 }
        expectGradientsMatch([a]) { 3 - (-a) }
    }

    @Test func activationGradients() {
        let x = randomParameter([2, 2, 3, 3], seed: 13)
        expectGradientsMatch([x], eps: 1e-3) { relu(x) }
        expectGradientsMatch([x], eps: 1e-3) { leakyReLU(x, slope: 0.2) }
        expectGradientsMatch([x]) { tanh(x) }
        expectGradientsMatch([x]) { sigmoid(x) }
    }

    @Test func activationValues() {
        let x = Variable(Tensor(shape: [4], scalars: [-2, -0.5, 0.5, 100]))
        #expect(relu(x).value.scalars == [0, 0, 0.5, 100])
        #expect(leakyReLU(x, slope: 0.2).value.scalars == [-0.4, -0.1, 0.5, 100])
        #expect(sigmoid(Variable(Tensor(shape: [2], scalars: [-100, 0]))).value.scalars == [sigmoid0(-100), 0.5])
    }

    @Test func leakyReLUVectorPassMatchesTheFormula() {
        // 43 elements (vectors of eight and a tail), zeros included: forward and backward against the scalar rule.
        var rng = SeededGenerator(seed: 17)
        let xs = (0..<43).map { $0 % 7 == 0 ? 0 : Float.random(in: -2...2, using: &rng) }
        let gs = (0..<43).map { _ in Float.random(in: -1...1, using: &rng) }
        let x = Variable.parameter(Tensor(shape: [43], scalars: xs))
        let y = leakyReLU(x, slope: 0.2)
        #expect(y.value.scalars == xs.map { $0 > 0 ? $0 : 0.2 * $0 })
        y.backward(seed: Tensor(shape: [43], scalars: gs))
        #expect(x.grad!.scalars == zip(gs, xs).map { $1 > 0 ? $0 : 0.2 * $0 })
    }

    private func sigmoid0(_ x: Float) -> Float { stableSigmoid(x) }

    @Test func reductionGradients() {
        let x = randomParameter([3, 4], seed: 14)
        expectGradientsMatch([x]) { sum(x * x) }
        expectGradientsMatch([x]) { mean(x * x) }
        #expect(mean(Variable(Tensor(shape: [4], scalars: [1, 2, 3, 6]))).value.scalar == 3)
    }

    @Test func concatAndReshapeGradients() {
        let a = randomParameter([2, 1, 3, 3], seed: 15), b = randomParameter([2, 2, 3, 3], seed: 16)
        let y = concatChannels([a, b])
        #expect(y.shape == [2, 3, 3, 3])
        // Sample 1, channel 1 of the result is sample 1, channel 0 of b.
        #expect(Array(y.value.scalars[36..<45]) == Array(b.value.scalars[18..<27]))
        expectGradientsMatch([a, b]) { reshape(concatChannels([a, b, a]), to: [2, 36]) }
    }
}
