import Testing
@testable import GANCore

/// A pix2pix-style wrapper: a module with a child `model` holding a Sequential.
private final class Wrapper: Module, @unchecked Sendable {
    let model: Sequential
    init(using rng: inout SeededGenerator) {
        model = Sequential(
            Pad2d.reflection(1),
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, using: &rng),
            BatchNorm2d(channels: 4),
            ReLU(),
            ConvTranspose2d(inChannels: 4, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false, using: &rng),
            InstanceNorm2d(channels: 2),
            Tanh())
    }
    override var children: [(name: String, module: Module)] { [("model", model)] }
    override func forward(_ input: Variable) -> Variable { model(input) }
}

@Suite struct ModuleTests {
    @Test func namesMatchPyTorchStateDictKeys() {
        var rng = SeededGenerator(seed: 1)
        let net = Wrapper(using: &rng)
        #expect(net.namedParameters().map(\.name) == ["model.1.weight", "model.1.bias", "model.2.weight", "model.2.bias", "model.4.weight"])
        #expect(net.namedBuffers().map(\.name) == ["model.2.running_mean", "model.2.running_var", "model.2.num_batches_tracked"])
        #expect(net.parameters().count == 5)
        #expect(net.namedState().map(\.name) == ["model.1.weight", "model.1.bias", "model.2.weight", "model.2.bias",
                                                  "model.2.running_mean", "model.2.running_var", "model.2.num_batches_tracked",
                                                  "model.4.weight"])
        let y = net(Variable(Tensor.randomNormal([2, 3, 4, 4], using: &rng)))
        #expect(y.shape == [2, 2, 8, 8])
        sum(y).backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func assignChecksNamesAndShapes() throws {
        var rng = SeededGenerator(seed: 2)
        let net = Wrapper(using: &rng)
        try net.assign([1, 2, 3, 4], shape: [4], to: "model.2.running_mean")
        #expect(net.namedBuffers()[0].buffer.value.scalars == [1, 2, 3, 4])
        #expect(throws: ModuleError.shapeMismatch(name: "model.1.bias", expected: [4], got: [2, 2])) {
            try net.assign([0, 0, 0, 0], shape: [2, 2], to: "model.1.bias")
        }
        #expect(throws: ModuleError.unknownName("model.9.weight")) {
            try net.assign([0], shape: [1], to: "model.9.weight")
        }
        #expect(throws: ModuleError.countMismatch(name: "model.1.bias", shape: [4], count: 3)) {
            try net.assign([0, 0, 0], shape: [4], to: "model.1.bias")
        }
    }

    @Test func trainAndEvalPropagate() {
        var rng = SeededGenerator(seed: 3)
        let net = Wrapper(using: &rng)
        let bn = net.model.layers[2] as! BatchNorm2d
        let x = Variable(Tensor.randomNormal([2, 3, 4, 4], using: &rng))
        _ = net(x)
        #expect(bn.batchesTracked.value.scalars[0] == 1)
        #expect(bn.runningMean.value.scalars != [0, 0, 0, 0])
        net.eval()
        #expect(!bn.isTraining)
        let before = bn.runningMean.value
        let a = withNoGrad { net(x) }, b = withNoGrad { net(x) }
        #expect(a.value == b.value)
        #expect(bn.runningMean.value == before)
    }

    @Test func spectralNormRenamesWeight() {
        var rng = SeededGenerator(seed: 4)
        let conv = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, using: &rng)
        conv.applySpectralNorm(using: &rng)
        #expect(conv.namedParameters().map(\.name) == ["weight_orig", "bias"])
        #expect(conv.namedBuffers().map(\.name) == ["weight_u", "weight_v"])
        #expect(conv.namedBuffers().map(\.buffer.shape) == [[3], [18]])
        let up = ConvTranspose2d(inChannels: 2, outChannels: 3, kernelSize: 4, using: &rng)
        up.applySpectralNorm(using: &rng)
        #expect(up.namedBuffers().map(\.buffer.shape) == [[3], [32]])
        let u0 = conv.namedBuffers()[0].buffer.value
        _ = conv(Variable(Tensor.randomNormal([1, 2, 5, 5], using: &rng)))
        #expect(conv.namedBuffers()[0].buffer.value != u0)
    }

    @Test func conditionalBatchNormUsesPerClassScale() {
        let cbn = ConditionalBatchNorm2d(channels: 2, numClasses: 3)
        #expect(cbn.namedParameters().map(\.name) == ["weights.weight", "biases.weight"])
        #expect(cbn.namedBuffers().map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        cbn.biases.weight.value = Tensor(shape: [3, 2], scalars: [0, 0, 10, 20, 0, 0])
        var rng = SeededGenerator(seed: 5)
        let x = Variable.parameter(Tensor.randomNormal([2, 2, 3, 3], using: &rng))
        let y = cbn(x, labels: [1, 0])
        // Sample 0 (class 1) is shifted by 10 / 20 per channel; sample 1 (class 0) is not.
        let plane = 9
        let mean0 = y.value.scalars[0..<plane].reduce(0, +) / 9, mean1 = y.value.scalars[(2 * plane)..<(3 * plane)].reduce(0, +) / 9
        #expect(mean0 > 8 && mean1 < 2)
        let scales = cbn.weights.weight, shifts = cbn.biases.weight
        expectGradientsMatch([scales, shifts, x]) { cbn(x, labels: [1, 0]) }
    }
}
