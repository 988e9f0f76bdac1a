import Foundation
import Testing
@testable import GANCore

@Suite struct AutodiffTests {
    @Test func moduleUsedThreeTimesAccumulatesTheSum() {
        var rng = SeededGenerator(seed: 1)
        let layer = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, using: &rng)
        let inputs = (0..<3).map { _ in Variable(Tensor.randomNormal([1, 2, 4, 4], using: &rng)) }
        // Gradient of each use alone, summed by hand.
        var expected = Tensor.zeros(layer.weight.shape)
        for x in inputs {
            layer.zeroGrad()
            sum(layer(x) * layer(x)).backward()  // two uses in one graph as well
            expected.accumulate(layer.weight.grad!)
        }
        layer.zeroGrad()
        let total = inputs.map { sum(layer($0) * layer($0)) }.reduce(Variable(Tensor(scalar: 0))) { $0 + $1 }
        total.backward()
        let got = layer.weight.grad!
        for i in 0..<got.count { #expect(abs(got.scalars[i] - expected.scalars[i]) <= 1e-4 * max(1, abs(expected.scalars[i]))) }
    }

    @Test func chainedUseMatchesFiniteDifferences() {
        // G(G(x)): the cycle-consistency pattern; the weight receives gradient through both calls.
        var rng = SeededGenerator(seed: 2)
        let layer = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, using: &rng)
        let x = Variable(Tensor.randomNormal([1, 2, 4, 4], using: &rng))
        expectGradientsMatch([layer.weight, layer.bias!]) { layer(tanh(layer(x))) }
    }

    @Test func gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        let p = Variable.parameter(Tensor(shape: [2], scalars: [1, 2]))
        sum(p * p).backward()
        #expect(p.grad!.scalars == [2, 4])
        sum(p * 3).backward()
        #expect(p.grad!.scalars == [5, 7])
        p.zeroGrad()
        #expect(p.grad == nil)
        sum(p).backward()
        #expect(p.grad!.scalars == [1, 1])
    }

    @Test func detachStopsGradient() {
        let p = Variable.parameter(Tensor(shape: [2], scalars: [1, 2]))
        let y = p * p
        let loss = sum(y.detach() * p)  // only the direct use of p carries gradient
        loss.backward()
        #expect(p.grad!.scalars == [1, 4])
        #expect(!y.detach().requiresGrad)
    }

    @Test func inferenceModeRecordsNothing() {
        let p = Variable.parameter(Tensor(shape: [2], scalars: [1, 2]))
        let y = withNoGrad { sum(p * p) }
        #expect(!y.requiresGrad)
        #expect(y.isLeaf)
        #expect(y.value.scalar == 5)
        y.backward()
        #expect(p.grad == nil)
        // Recording resumes after the scope.
        #expect(GradientMode.isEnabled)
        #expect(sum(p * p).requiresGrad)
    }

    @Test func constantsDoNotRequireGrad() {
        let a = Variable(Tensor.ones([3])), b = Variable(Tensor.ones([3]))
        #expect(!(a + b).requiresGrad)
    }
}

@Suite struct RandomTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xs = (0..<5).map { _ in a.next() }, ys = (0..<5).map { _ in b.next() }, zs = (0..<5).map { _ in c.next() }
        #expect(xs == ys)
        #expect(xs != zs)
        var d = SeededGenerator(seed: 7), e = SeededGenerator(seed: 7)
        #expect(Tensor.randomNormal([10], using: &d) == Tensor.randomNormal([10], using: &e))
    }

    @Test func normalSamplesHaveUnitMoments() {
        var g = SeededGenerator(seed: 3)
        let t = Tensor.randomNormal([20_000], using: &g)
        let mean = t.sum() / Float(t.count)
        let variance = t.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(t.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
        var u = SeededGenerator(seed: 4)
        let uniform = (0..<10_000).map { _ in u.nextUniform() }
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniform.reduce(0, +) / 10_000 - 0.5) < 0.02)
    }
}

/// Freezing a module (CycleGAN's set_requires_grad(D, False)) stops gradients to its parameters
/// but still passes them through to its input.
@Test func frozenParametersGetNoGradientButPassItOn() {
    var rng = SeededGenerator(seed: 11)
    let layer = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, using: &rng)
    let x = Variable.parameter(Tensor.randomNormal([1, 2, 5, 5], using: &rng))
    layer.setRequiresGrad(false)
    sum(layer(x)).backward()
    #expect(layer.weight.grad == nil && layer.bias?.grad == nil)
    #expect(x.grad != nil)
    layer.setRequiresGrad(true)
    sum(layer(x)).backward()
    #expect(layer.weight.grad != nil)
}

/// A generator saved mid-stream (with a Box-Muller sample pending) and restored continues with
/// exactly the numbers the original produces; a corrupt saved state is refused.
@Test func seededGeneratorStateRoundTrips() throws {
    var original = SeededGenerator(seed: 77)
    for _ in 0..<5 { _ = original.next() }
    _ = original.nextNormal()  // leaves the second Box-Muller sample pending
    let saved = try JSONEncoder().encode(original)
    var restored = try JSONDecoder().decode(SeededGenerator.self, from: saved)
    #expect(restored == original)
    for _ in 0..<10 { #expect(restored.nextNormal() == original.nextNormal()); #expect(restored.next() == original.next()) }
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(SeededGenerator.self, from: Data(#"{"state":[0,0,0,0]}"#.utf8)) }
}
