import Foundation
import Testing
@testable import GANCore

/// CUT's PatchNCE pieces: location gathering, row normalisation, the loss itself, and the generator's
/// intermediate features.
@Suite struct PatchNCETests {
    /// The loss as CUT's `PatchNCELoss.forward` computes it, written out in Double: l_pos, l_neg with the diagonal
    /// set to −10, logits over τ, cross-entropy with class 0, mean over rows.
    static func reference(query q: [Float], keys k: [Float], batch: Int, dimension d: Int, temperature: Double) -> Double {
        let rows = q.count / d, p = rows / batch
        func dot(_ i: Int, _ j: Int) -> Double { (0..<d).reduce(0.0) { $0 + Double(q[i * d + $1]) * Double(k[j * d + $1]) } }
        var total = 0.0
        for b in 0..<batch {
            for i in 0..<p {
                var logits = [dot(b * p + i, b * p + i)]
                for j in 0..<p { logits.append(j == i ? -10 : dot(b * p + i, b * p + j)) }
                logits = logits.map { $0 / temperature }
                let top = logits.max()!
                total += top + log(logits.map { exp($0 - top) }.reduce(0, +)) - logits[0]
            }
        }
        return total / Double(rows)
    }

    @Test func lossOfAHandComputedCase() {
        // One image, two patches, orthonormal queries equal to their keys, τ = 1: each row's logits are
        // [1, −10, 0] (or [1, 0, −10]), so the loss is log(e + 1 + e⁻¹⁰) − 1 = 0.3132739...
        let q = Variable(Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]), requiresGrad: true)
        let loss = patchNCELoss(query: q, keys: Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]), batch: 1, temperature: 1)
        let expected = log(exp(1.0) + 1 + exp(-10.0)) - 1
        #expect(abs(Double(loss.value.scalar) - expected) < 1e-6)
        #expect(abs(expected - 0.3132739) < 1e-6)
    }

    @Test func lossMatchesTheReferenceFormula() {
        var rng = SeededGenerator(seed: 3)
        let (batch, p, d) = (2, 5, 7)
        let q = withNoGrad { normalizeRows(Variable(Tensor.randomNormal([batch * p, d], using: &rng))) }.value
        let k = withNoGrad { normalizeRows(Variable(Tensor.randomNormal([batch * p, d], using: &rng))) }.value
        let loss = patchNCELoss(query: Variable(q), keys: k, batch: batch, temperature: 0.07)
        let expected = Self.reference(query: q.scalars, keys: k.scalars, batch: batch, dimension: d, temperature: 0.07)
        #expect(abs(Double(loss.value.scalar) - expected) < 1e-4 * max(1, expected), "\(loss.value.scalar) vs \(expected)")
        // Negatives come from the same image only: changing image 1's keys leaves image 0's rows alone.
        var other = k
        for i in (p * d)..<(2 * p * d) { other.scalars[i] = -other.scalars[i] }
        let first = Self.reference(query: Array(q.scalars[0..<(p * d)]), keys: Array(k.scalars[0..<(p * d)]), batch: 1, dimension: d, temperature: 0.07)
        let second = Self.reference(query: Array(q.scalars[(p * d)...]), keys: Array(other.scalars[(p * d)...]), batch: 1, dimension: d, temperature: 0.07)
        let changed = patchNCELoss(query: Variable(q), keys: other, batch: batch, temperature: 0.07)
        #expect(abs(Double(changed.value.scalar) - (first + second) / 2) < 1e-4 * max(1, first))
    }

    @Test func patchNCEGradient() {
        var rng = SeededGenerator(seed: 5)
        let q = Variable(Tensor.randomNormal([6, 4], using: &rng).map { $0 * 0.3 }, requiresGrad: true)
        let k = Tensor.randomNormal([6, 4], using: &rng).map { $0 * 0.3 }
        expectGradientsMatch([q], eps: 1e-2) { patchNCELoss(query: q, keys: k, batch: 2, temperature: 0.5) }
    }

    @Test func normalizeRowsValuesAndGradient() {
        let x = Variable(Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]), requiresGrad: true)
        let y = normalizeRows(x).value.scalars
        #expect(abs(y[0] - 0.6) < 1e-6 && abs(y[1] - 0.8) < 1e-6 && y[2] == 0 && y[3] == 0)
        var rng = SeededGenerator(seed: 6)
        let z = Variable(Tensor.randomNormal([5, 3], using: &rng), requiresGrad: true)
        expectGradientsMatch([z], eps: 1e-3) { normalizeRows(z) }
    }

    @Test func gatherLocationsValuesAndGradient() {
        // [1, 2, 2, 3]: channel c at (y, x) holds 100·c + 10·y + x.
        var values: [Float] = []
        for c in 0..<2 { for y in 0..<2 { for x in 0..<3 { values.append(Float(100 * c + 10 * y + x)) } } }
        let input = Variable(Tensor(shape: [1, 2, 2, 3], scalars: values))
        let rows = gatherLocations(input, locations: [5, 0, 3])
        #expect(rows.shape == [3, 2] && rows.value.scalars == [12, 112, 0, 100, 10, 110])
        var rng = SeededGenerator(seed: 7)
        let x = Variable(Tensor.randomNormal([2, 3, 4, 5], using: &rng), requiresGrad: true)
        expectGradientsMatch([x]) { gatherLocations(x, locations: [19, 3, 7, 3]) }
    }

    @Test func generatorFeaturesAreItsLayersOutputs() {
        var rng = SeededGenerator(seed: 8)
        var options = NetworkOptions.cycleGAN
        options.ngf = 4; options.resnetBlocks = 2
        let generator = ResnetGenerator(options: options, using: &rng)
        let x = Variable(Tensor.randomUniform([1, 3, 16, 16], low: -1, high: 1, using: &rng))
        let features = withNoGrad { generator.features(x, layers: [0, 4, 7, 8, 10, generator.model.layers.count - 1]) }
        #expect(features.map(\.shape) == [[1, 3, 22, 22], [1, 8, 8, 8], [1, 16, 4, 4], [1, 16, 4, 4], [1, 16, 4, 4], [1, 3, 16, 16]])
        // The last layer's output is the generator's output; the norm at 8 is read before its ReLU.
        #expect(features[5].value == withNoGrad { generator(x) }.value)
        #expect(features[3].value.scalars.contains { $0 < 0 })
        let manual = withNoGrad { (0...7).reduce(x) { generator.model.layers[$1]($0) } }
        #expect(features[2].value == manual.value)
    }
}
