import Testing
@testable import GANCore

@Suite struct OptimizerTests {
    @Test func adamMatchesHandComputedSteps() {
        // θ = 1, lr 0.1, betas (0.9, 0.999): g = 0.5 → m̂ = 0.5, v̂ = 0.25, θ = 1 - 0.1·0.5/(0.5 + 1e-8) ≈ 0.9;
        // then g = -1 → θ ≈ 0.93661035 (computed in Double with the same formula).
        let p = Variable.parameter(Tensor(shape: [1], scalars: [1]))
        let adam = Adam([p], learningRate: 0.1)
        p.grad = Tensor(shape: [1], scalars: [0.5])
        adam.step()
        #expect(abs(p.value.scalars[0] - 0.9) < 1e-6)
        p.grad = Tensor(shape: [1], scalars: [-1])
        adam.step()
        #expect(abs(p.value.scalars[0] - 0.93661035) < 1e-6)
    }

    @Test func adamWeightDecayIsL2() {
        // θ = 2, g = 0.3, weight decay 0.1 → effective g = 0.5; first step moves by lr exactly: 2 - 0.01.
        let p = Variable.parameter(Tensor(shape: [1], scalars: [2]))
        let adam = Adam([p], learningRate: 0.01, weightDecay: 0.1)
        p.grad = Tensor(shape: [1], scalars: [0.3])
        adam.step()
        #expect(abs(p.value.scalars[0] - 1.99) < 1e-6)
        // A parameter without gradient is left alone.
        let q = Variable.parameter(Tensor(shape: [1], scalars: [3]))
        Adam([q]).step()
        #expect(q.value.scalars[0] == 3)
    }

    @Test func sgdMomentum() {
        let p = Variable.parameter(Tensor(shape: [1], scalars: [1]))
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        p.grad = Tensor(shape: [1], scalars: [1])
        sgd.step()
        #expect(abs(p.value.scalars[0] - 0.9) < 1e-6)
        sgd.step()  // buffer 0.9·1 + 1 = 1.9
        #expect(abs(p.value.scalars[0] - 0.71) < 1e-6)
        sgd.zeroGrad()
        #expect(p.grad == nil)
    }

    @Test func learningRateSchedules() {
        let cycleGAN = LearningRateSchedule.linearDecay(constantEpochs: 100, decayEpochs: 100)
        #expect(cycleGAN.factor(epoch: 0) == 1)
        // lambda_rule(epoch) = 1 - max(0, epoch + 1 - 100) / 101: decay starts at epoch 100.
        #expect(cycleGAN.factor(epoch: 99) == 1)
        #expect(abs(cycleGAN.factor(epoch: 100) - (1 - 1.0 / 101)) < 1e-7)
        #expect(abs(cycleGAN.factor(epoch: 199) - 1.0 / 101) < 1e-7)
        #expect(abs(cycleGAN.learningRate(base: 2e-4, epoch: 149) - 2e-4 * (1 - 50.0 / 101)) < 1e-10)
        // Resuming with epoch_count 51 shifts the curve by 50 epochs.
        let resumed = LearningRateSchedule.linearDecay(constantEpochs: 100, decayEpochs: 100, epochCount: 51)
        #expect(resumed.factor(epoch: 50) == cycleGAN.factor(epoch: 100))
        let step = LearningRateSchedule.step(stepSize: 30, gamma: 0.1)
        #expect(step.factor(epoch: 29) == 1)
        #expect(abs(step.factor(epoch: 30) - 0.1) < 1e-7)
        #expect(abs(step.factor(epoch: 65) - 0.01) < 1e-8)
        #expect(LearningRateSchedule.constant.factor(epoch: 1000) == 1)
    }

    @Test func initializersFollowPyTorchFormulas() {
        var g = SeededGenerator(seed: 8)
        let shape = [64, 32, 3, 3]  // fan_in 288, fan_out 576
        #expect(Initializer.fans(shape) == (288, 576))
        func std(_ t: Tensor) -> Float {
            let m = t.sum() / Float(t.count)
            return (t.scalars.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Float(t.count)).squareRoot()
        }
        let xavier = Initializer.xavierNormal(gain: 1).tensor(shape, using: &g)
        #expect(abs(std(xavier) / (2.0 / 864).squareRoot() - 1) < 0.05)
        let kaiming = Initializer.kaimingNormal(a: 0, mode: .fanIn).tensor(shape, using: &g)
        #expect(abs(std(kaiming) / (2.0 / 288).squareRoot() - 1) < 0.05)
        let normal = Initializer.normal(mean: 0, std: 0.02).tensor(shape, using: &g)
        #expect(abs(std(normal) / 0.02 - 1) < 0.05)
        let bound = (6.0 / 864).squareRoot()
        let uniform = Initializer.xavierUniform(gain: 1).tensor(shape, using: &g)
        #expect(uniform.scalars.allSatisfy { abs($0) <= Float(bound) })
        #expect(uniform.scalars.max()! > Float(bound) * 0.99)
    }
}

/// Adam's state saved after two steps and restored into a fresh optimizer continues exactly as
/// the original does (what a resumed training run relies on); a state for other parameters is refused.
@Test func adamRestoresItsStateExactly() throws {
    var rng = SeededGenerator(seed: 4)
    let x = Tensor.randomNormal([2, 5], using: &rng)
    let grads = (0..<4).map { _ in Tensor.randomNormal([2, 5], using: &rng) }
    let p1 = Variable.parameter(x), p2 = Variable.parameter(x)
    let original = Adam([p1], learningRate: 2e-4, beta1: 0.5)
    for g in grads.prefix(2) { p1.grad = g; original.step() }
    p2.value = p1.value
    let resumed = Adam([p2], learningRate: 2e-4, beta1: 0.5)
    try resumed.restore(original.state)
    for g in grads.suffix(2) { p1.grad = g; original.step(); p2.grad = g; resumed.step() }
    #expect(p1.value == p2.value)
    #expect(throws: AdamStateError.self) { try resumed.restore(AdamState(stepCount: 1, firstMoments: [], secondMoments: [])) }
}
