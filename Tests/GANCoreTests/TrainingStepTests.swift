import Testing
@testable import GANCore

@Suite struct TrainingStepTests {
    @Test func adamFitsASmallConvolutionalMap() {
        // Learn y = 2x + 1 per pixel with a 3×3 conv: the loss must fall by at least 20×.
        var rng = SeededGenerator(seed: 1)
        let net = Sequential(Conv2d(inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, using: &rng),
                             LeakyReLU(slope: 0.2),
                             Conv2d(inChannels: 4, outChannels: 1, kernelSize: 1, using: &rng))
        let adam = Adam(net.parameters(), learningRate: 0.02, beta1: 0.5)
        let x = Tensor.randomNormal([4, 1, 6, 6], using: &rng)
        let y = x.map { 2 * $0 + 1 }
        var first: Float = 0, last: Float = 0
        for step in 0..<150 {
            adam.zeroGrad()
            let loss = mseLoss(net(Variable(x)), y)
            loss.backward()
            adam.step()
            if step == 0 { first = loss.value.scalar }
            last = loss.value.scalar
        }
        #expect(last < first / 20)
    }

    @Test func discriminatorStepOnDetachedFakesLeavesGeneratorAlone() {
        var rng = SeededGenerator(seed: 2)
        let generator = Sequential(Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, using: &rng), Tanh())
        let discriminator = Sequential(Conv2d(inChannels: 2, outChannels: 1, kernelSize: 3, stride: 2, using: &rng))
        let real = Variable(Tensor.randomNormal([2, 2, 5, 5], using: &rng))
        let fake = generator(Variable(Tensor.randomNormal([2, 2, 5, 5], using: &rng)))
        for objective in GANObjective.allCases {
            generator.zeroGrad(); discriminator.zeroGrad()
            objective.discriminatorLoss(realLogits: discriminator(real), fakeLogits: discriminator(fake.detach())).backward()
            #expect(generator.parameters().allSatisfy { $0.grad == nil })
            #expect(discriminator.parameters().allSatisfy { $0.grad != nil })
            discriminator.zeroGrad()
            objective.generatorLoss(fakeLogits: discriminator(fake)).backward()
            #expect(generator.parameters().allSatisfy { $0.grad != nil })
        }
    }
}
