import Testing
@testable import GANCore

@Suite struct CompositeLayerTests {
    @Test func sliceChannelsGradients() {
        let x = randomParameter([2, 5, 2, 3], seed: 71)
        let y = sliceChannels(x, 1..<3)
        #expect(y.shape == [2, 2, 2, 3])
        #expect(y.value[1, 0, 1, 2] == x.value[1, 1, 1, 2])
        expectGradientsMatch([x]) { sliceChannels(x, 1..<3) * sliceChannels(x, 3..<5) }
    }

    @Test func gatedConvolution() {
        var rng = SeededGenerator(seed: 72)
        let gated = GatedConv2d(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, using: &rng)
        #expect(gated.namedParameters().map(\.name) == ["conv.weight", "conv.bias"])
        #expect(gated.conv.weight.shape == [6, 2, 3, 3])
        let x = Variable.parameter(Tensor.randomNormal([1, 2, 4, 4], using: &rng))
        #expect(gated(x).shape == [1, 3, 4, 4])
        expectGradientsMatch([x, gated.conv.weight, gated.conv.bias!], eps: 1e-3) { gated(x) }
    }

    @Test func initializeWeightsLikeCycleGAN() {
        var rng = SeededGenerator(seed: 73)
        let net = Sequential(Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, using: &rng), BatchNorm2d(channels: 32), Identity())
        net.initializeWeights(.normal, gain: 0.02, using: &rng)
        let conv = net.layers[0] as! Conv2d, bn = net.layers[1] as! BatchNorm2d
        #expect(conv.bias!.value.scalars.allSatisfy { $0 == 0 })
        let w = conv.weight.value.scalars
        let std = (w.reduce(0) { $0 + $1 * $1 } / Float(w.count)).squareRoot()
        #expect(abs(std / 0.02 - 1) < 0.05)
        #expect(bn.weight!.value.scalars.allSatisfy { abs($0 - 1) < 0.1 } && bn.weight!.value.scalars.contains { $0 != 1 })
        var count = 0
        net.visit { _ in count += 1 }
        #expect(count == 4)
    }

    @Test func tensorSubscript() {
        var t = Tensor.zeros([2, 3, 4])
        t[1, 2, 3] = 5
        #expect(t.scalars[23] == 5)
        #expect(t[1, 2, 3] == 5)
    }
}
