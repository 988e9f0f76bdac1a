import Foundation
import Testing
@testable import GANCore

/// Compares forward values and gradients with PyTorch (see scripts/gancore_pytorch_reference.py for the
/// inputs and the checksum definitions). Tolerance: 1e-3 · max(1, |reference|) per checksum.
@Suite struct PyTorchReferenceTests {
    /// pattern(shape, a, b)[i] = scale · sin(a·i + b), as in the generator script.
    private func pattern(_ shape: [Int], _ a: Double, _ b: Double, _ scale: Double = 1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<n).map { Float(scale * sin(a * Double($0) + b)) })
    }

    private func checksum(_ t: Tensor) -> Double {
        var total = 0.0
        for (i, v) in t.scalars.enumerated() { total += Double(v) * cos(0.37 * Double(i) + 0.5) }
        return total
    }

    private func expectClose(_ got: Double, _ reference: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(got - reference) <= 1e-3 * max(1, abs(reference)), "\(what): \(got) vs PyTorch \(reference)",
                sourceLocation: sourceLocation)
    }

    /// Runs `f` on parameter leaves made from `inputs`, back-propagates Σ out·cos(0.37 i) and compares with `reference`.
    private func check(_ reference: TorchReference, _ inputs: [Tensor], sourceLocation: SourceLocation = #_sourceLocation,
                       _ f: ([Variable]) -> Variable) {
        let leaves = inputs.map { Variable.parameter($0) }
        let out = f(leaves)
        #expect(out.shape == reference.shape, sourceLocation: sourceLocation)
        let n = out.value.count
        let weights = Tensor(shape: out.shape, scalars: (0..<n).map { Float(cos(0.37 * Double($0))) })
        sum(out * Variable(weights)).backward()
        expectClose(checksum(out.value), reference.output, "output", sourceLocation: sourceLocation)
        for (k, leaf) in leaves.enumerated() {
            expectClose(checksum(leaf.grad ?? .zeros(leaf.shape)), reference.gradients[k], "gradient \(k)", sourceLocation: sourceLocation)
        }
    }

    private var image: Tensor { pattern([2, 3, 5, 6], 0.7, 0.3) }

    @Test func convolutions() {
        check(TorchReferences.conv2d, [image, pattern([4, 3, 3, 3], 1.3, 0.1, 0.5), pattern([4], 0.9, 0.2)]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1)
        }
        check(TorchReferences.convTranspose2d, [image, pattern([3, 2, 3, 3], 1.1, 0.4, 0.5), pattern([2], 0.5, 0.1)]) {
            convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
        }
        check(TorchReferences.linear, [pattern([3, 5], 0.7, 0.3), pattern([4, 5], 1.3, 0.1), pattern([4], 0.9, 0.2)]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test func normalizations() {
        check(TorchReferences.instanceNorm, [image, pattern([3], 0.8, 1.0), pattern([3], 0.6, 0)]) {
            instanceNorm($0[0], weight: $0[1], bias: $0[2])
        }
        let runningMean = Variable(.zeros([3])), runningVariance = Variable(.ones([3]))
        check(TorchReferences.batchNorm, [image, pattern([3], 0.8, 1.0), pattern([3], 0.6, 0)]) {
            batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: runningMean, runningVariance: runningVariance, training: true)
        }
        let stats = runningMean.value.scalars + runningVariance.value.scalars
        for (got, reference) in zip(stats, TorchReferences.batchNorm.extra) { expectClose(Double(got), reference, "running statistics") }
    }

    @Test func resampling() {
        let padding = Padding2D(left: 2, right: 1, top: 3, bottom: 0)
        check(TorchReferences.reflectionPad, [image]) { pad($0[0], padding, mode: .reflect) }
        check(TorchReferences.replicationPad, [image]) { pad($0[0], padding, mode: .replicate) }
        check(TorchReferences.bilinear, [image]) { upsample($0[0], mode: .bilinear) }
        check(TorchReferences.nearest, [image]) { upsample($0[0], mode: .nearest) }
        check(TorchReferences.avgPool, [image]) { avgPool2d($0[0], kernel: 3, stride: 2, padding: 1) }
    }

    @Test func bceWithLogits() {
        let targets = pattern([2, 7], 0.5, 0).map { $0 > 0 ? 1 : 0 }
        check(TorchReferences.bceWithLogits, [pattern([2, 7], 2.1, 0.3, 4)]) { bceWithLogitsLoss($0[0], targets) }
    }

    @Test func spectralNormOneTrainingStep() {
        for (dim, shape, reference) in [(0, [4, 3, 2, 2], TorchReferences.spectralNormDim0), (1, [3, 4, 2, 2], TorchReferences.spectralNormDim1)] {
            let u = Variable(pattern([shape[dim]], 0.3, 0.2)), v = Variable(.zeros([48 / shape[dim]]))
            check(reference, [pattern(shape, 1.3, 0.1)]) { spectralNormalized($0[0], u: u, v: v, dim: dim, training: true) }
            // The first call ran the power iteration; the gradient is taken there too, as in PyTorch.
            expectClose(checksum(u.value), reference.extra[0], "u after one iteration")
            expectClose(checksum(v.value), reference.extra[1], "v after one iteration")
        }
    }

    @Test func adamThreeStepsWithWeightDecay() {
        let p = Variable.parameter(pattern([5], 0.7, 0.3))
        let adam = Adam([p], learningRate: 0.01, beta1: 0.5, weightDecay: 0.1)
        let coefficients = Variable(pattern([5], 1.1, 0.2))
        for _ in 0..<3 {
            adam.zeroGrad()
            sum(p * p * coefficients).backward()
            adam.step()
        }
        for (got, reference) in zip(p.value.scalars, TorchReferences.adamAfterThreeSteps) {
            #expect(abs(Double(got) - reference) < 1e-5)
        }
    }
}
