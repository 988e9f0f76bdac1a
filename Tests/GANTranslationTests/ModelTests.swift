import Testing
import GANCore
@testable import GANTranslation

/// Small options so that a step on 32×32 takes well under a second in a debug build.
func tinyOptions() -> CycleGANOptions {
    var o = CycleGANOptions()
    o.ngf = 4; o.ndf = 4; o.resnetBlocks = 1; o.discriminatorLayers = 2; o.poolSize = 3
    o.constantEpochs = 1; o.decayEpochs = 1
    return o
}

func randomBatch(_ seed: UInt64, size: Int = 32) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return Tensor.randomUniform([1, 3, size, size], low: -1, high: 1, using: &rng)
}

@Suite struct ImagePoolTests {
    func item(_ v: Float) -> Tensor { Tensor(shape: [1, 1, 1, 1], scalars: [v]) }

    @Test func fillsThenReturnsInputsUntilFull() {
        var pool = ImagePool(capacity: 3, generator: CheckpointableGenerator(seed: 1))
        for v in [1, 2, 3] as [Float] { #expect(pool.query(item(v)).scalars == [v]) }
        #expect(pool.images.map { $0.scalars[0] } == [1, 2, 3])
    }

    @Test func afterFullSwapsAboutHalfAndKeepsCapacity() {
        var pool = ImagePool(capacity: 4, generator: CheckpointableGenerator(seed: 7))
        for v in 0..<4 { _ = pool.query(item(Float(v))) }
        var swapped = 0
        for v in 100..<1100 {
            let out = pool.query(item(Float(v))).scalars[0]
            if out != Float(v) { swapped += 1; #expect(out < Float(v)) }
            #expect(pool.images.count == 4)
        }
        #expect(swapped > 420 && swapped < 580)
    }

    @Test func zeroCapacityPassesThroughAndBatchesGoItemByItem() {
        var empty = ImagePool(capacity: 0, generator: CheckpointableGenerator(seed: 1))
        #expect(empty.query(item(5)).scalars == [5])
        var pool = ImagePool(capacity: 2, generator: CheckpointableGenerator(seed: 1))
        let batch = Tensor(shape: [3, 1, 1, 1], scalars: [1, 2, 3])
        let out = pool.query(batch)
        #expect(out.shape == [3, 1, 1, 1] && pool.images.count == 2)
        #expect(Array(out.scalars[0..<2]) == [1, 2])
    }

    @Test func sameSeedSameChoices() {
        var a = ImagePool(capacity: 2, generator: CheckpointableGenerator(seed: 3)), b = a
        for v in 0..<50 { #expect(a.query(item(Float(v))) == b.query(item(Float(v)))) }
    }
}

@Suite struct CycleGANStepTests {
    @Test func oneStepIsFiniteAndChangesEveryNetwork() {
        let model = CycleGANModel(options: tinyOptions(), seed: 1)
        let before = model.networks.map { $0.module.stateDict() }
        let losses = model.trainStep(realA: randomBatch(1), realB: randomBatch(2))
        #expect(losses.isFinite)
        #expect(losses.cycleA > 0 && losses.identityA > 0 && losses.discriminatorA > 0)
        for (k, network) in model.networks.enumerated() { #expect(network.module.stateDict() != before[k], "\(network.name) unchanged") }
        #expect(model.fakeAPool.images.count == 1 && model.fakeBPool.images.count == 1)
        #expect(model.generatorOptimizer.stepCount == 1 && model.discriminatorOptimizer.stepCount == 1)
    }

    @Test func identityOffAndVanillaObjective() {
        var o = tinyOptions(); o.lambdaIdentity = 0; o.objective = .nonsaturating
        let model = CycleGANModel(options: o, seed: 2)
        let losses = model.trainStep(realA: randomBatch(3), realB: randomBatch(4))
        #expect(losses.isFinite && losses.identityA == 0 && losses.identityB == 0)
    }

    @Test func learningRateFollowsLinearDecay() {
        var o = tinyOptions(); o.constantEpochs = 2; o.decayEpochs = 2
        let model = CycleGANModel(options: o, seed: 1)
        model.setLearningRate(epoch: 0)
        #expect(model.generatorOptimizer.learningRate == 2e-4)
        model.setLearningRate(epoch: 3)
        #expect(abs(model.discriminatorOptimizer.learningRate - 2e-4 / 3) < 1e-9)
    }
}
