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

    @Test func adamKernelPathsMatchThePlainLoop() {
        // 1000 elements (a masked tail), three steps with weight decay: the portable and AVX-512 paths of
        // gk_adam_step against the update written out in Double.
        var rng = SeededGenerator(seed: 11)
        let count = 1000
        let theta0 = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
        let grads = (0..<3).map { _ in (0..<count).map { _ in Float.random(in: -2...2, using: &rng) } }
        let (b1, b2, eps, decay, lr): (Float, Float, Float, Float, Float) = (0.5, 0.999, 1e-8, 0.01, 2e-4)
        var ref = theta0.map(Double.init), rm = [Double](repeating: 0, count: count), rv = rm
        for (t, g) in grads.enumerated() {
            let c1 = 1 - Double(b1).power(t + 1), c2 = 1 - Double(b2).power(t + 1)
            for i in 0..<count {
                let gi = Double(g[i]) + Double(decay) * ref[i]
                rm[i] = Double(b1) * rm[i] + (1 - Double(b1)) * gi
                rv[i] = Double(b2) * rv[i] + (1 - Double(b2)) * gi * gi
                ref[i] -= Double(lr) * (rm[i] / c1) / ((rv[i] / c2).squareRoot() + Double(eps))
            }
        }
        for path: Int32 in [1, 3] {
            var theta = theta0, m = [Float](repeating: 0, count: count), v = m
            var ran = true
            for (t, g) in grads.enumerated() {
                ran = ran && adamStepKernel(path: path, count: count, grad: g, theta: &theta, m: &m, v: &v, beta1: b1,
                                            beta2: b2, epsilon: eps, weightDecay: decay, learningRate: lr, step: t + 1)
            }
            guard ran else { continue }  // the CPU lacks AVX-512
            let worst = zip(theta, ref).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-6, "path \(path): worst difference \(worst)")
            // Bit for bit the Float loop Adam ran in Swift before (seeded training runs keep their trajectories).
            var plain = theta0, pm = [Float](repeating: 0, count: count), pv = pm
            for (t, g) in grads.enumerated() {
                let c1 = 1 - Float(Double(b1).power(t + 1)), c2 = 1 - Float(Double(b2).power(t + 1))
                for i in 0..<count {
                    let gi = g[i] + decay * plain[i]
                    pm[i] = b1 * pm[i] + (1 - b1) * gi
                    pv[i] = b2 * pv[i] + (1 - b2) * gi * gi
                    let mHat = pm[i] / c1, vHat = pv[i] / c2
                    plain[i] -= lr * mHat / (vHat.squareRoot() + eps)
                }
            }
            #expect(theta == plain && m == pm && v == pv, "path \(path) differs from the Float loop")
        }
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
