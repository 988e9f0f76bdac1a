import Testing
@testable import GANCore

/// Inputs large enough to take the `concurrentPerform` paths, checked against naive serial references.
@Suite struct ParallelPathTests {
    @Test func largeConvolutionMatchesNaiveSum() {
        var rng = SeededGenerator(seed: 1)
        let x = Tensor.randomNormal([2, 8, 24, 24], using: &rng), w = Tensor.randomNormal([4, 8, 3, 3], using: &rng)
        let y = conv2d(Variable(x), weight: Variable(w), stride: 2, padding: 1).value
        #expect(y.shape == [2, 4, 12, 12])
        for (b, o, oy, ox) in [(0, 0, 0, 0), (1, 3, 11, 11), (1, 2, 5, 7), (0, 1, 11, 0)] {
            var expected = 0.0
            for c in 0..<8 { for i in 0..<3 { for j in 0..<3 {
                let iy = oy * 2 - 1 + i, ix = ox * 2 - 1 + j
                guard iy >= 0, iy < 24, ix >= 0, ix < 24 else { continue }
                expected += Double(x.scalars[((b * 8 + c) * 24 + iy) * 24 + ix]) * Double(w.scalars[((o * 8 + c) * 3 + i) * 3 + j])
            } } }
            #expect(abs(Double(y.scalars[((b * 4 + o) * 12 + oy) * 12 + ox]) - expected) < 1e-4)
        }
    }

    @Test func largeElementwiseAndNormalization() {
        var rng = SeededGenerator(seed: 2)
        let a = Tensor.randomNormal([2, 8, 64, 64], using: &rng), b = Tensor.randomNormal([2, 8, 64, 64], using: &rng)
        let product = (Variable(a) * Variable(b)).value
        #expect(product.scalars == Swift.zip(a.scalars, b.scalars).map { $0 * $1 })
        let normalized = instanceNorm(Variable(a)).value
        for plane in [0, 7, 15] {
            let values = normalized.scalars[(plane * 4096)..<((plane + 1) * 4096)]
            let mean = values.reduce(0, +) / 4096
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4096
            #expect(abs(mean) < 1e-4 && abs(variance - 1) < 1e-3)
        }
        let padded = reflectionPad2d(Variable(a), 3).value
        #expect(padded.scalars[0] == a.scalars[3 * 64 + 3])
        let up = upsample(Variable(a), mode: .nearest).value
        #expect(up.scalars[(15 * 128 + 127) * 128 + 127] == a.scalars[(15 * 64 + 63) * 64 + 63])
    }
}
