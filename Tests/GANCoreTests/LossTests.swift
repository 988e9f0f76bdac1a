import Foundation
import Testing
@testable import GANCore

@Suite struct LossTests {
    @Test func lossValues() {
        let p = Variable(Tensor(shape: [2], scalars: [1, 3])), t = Tensor(shape: [2], scalars: [0, 1])
        #expect(mseLoss(p, t).value.scalar == 2.5)
        #expect(l1Loss(p, t).value.scalar == 1.5)
        let big = Variable(Tensor(shape: [2], scalars: [100, -100]))
        let bce = bceWithLogitsLoss(big, Tensor(shape: [2], scalars: [0, 1])).value.scalar
        #expect(abs(bce - 100) < 1e-3)
        let zero = bceWithLogitsLoss(Variable(Tensor(shape: [1], scalars: [0])), 1).value.scalar
        #expect(abs(zero - Float(log(2.0))) < 1e-6)
    }

    @Test func lossGradients() {
        let p = randomParameter([3, 4], seed: 61), t = randomParameter([3, 4], seed: 62)
        expectGradientsMatch([p, t]) { mseLoss(p, t) }
        expectGradientsMatch([p, t], eps: 1e-3) { l1Loss(p, t) }
        let labels = Variable.parameter(Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0 % 3) / 2 }))
        expectGradientsMatch([p, labels]) { bceWithLogitsLoss(p, labels) }
        expectGradientsMatch([p]) { softmaxCrossEntropyLoss(p * 3, labels: [2, 0, 3]) }
    }

    @Test func softmaxCrossEntropyValue() {
        // Row [0, ln 3]: softmax (1/4, 3/4); label 1 costs -ln(3/4), label 0 costs -ln(1/4).
        let logits = Variable(Tensor(shape: [2, 2], scalars: [0, Float(log(3.0)), 0, Float(log(3.0))]))
        let expected = (-log(0.75) - log(0.25)) / 2
        #expect(abs(Double(softmaxCrossEntropyLoss(logits, labels: [1, 0]).value.scalar) - expected) < 1e-6)
    }

    @Test func ganObjectives() {
        let real = Variable(Tensor(shape: [2], scalars: [2, 0.5])), fake = Variable(Tensor(shape: [2], scalars: [-1, 0.5]))
        func sp(_ x: Double) -> Double { log1p(exp(x)) }  // softplus
        let minimaxD = (sp(-2) + sp(-0.5)) / 2 + (sp(-1) + sp(0.5)) / 2
        #expect(abs(Double(GANObjective.minimax.discriminatorLoss(realLogits: real, fakeLogits: fake).value.scalar) - minimaxD) < 1e-5)
        #expect(abs(Double(GANObjective.minimax.generatorLoss(fakeLogits: fake).value.scalar) + (sp(-1) + sp(0.5)) / 2) < 1e-5)
        #expect(abs(Double(GANObjective.nonsaturating.generatorLoss(fakeLogits: fake).value.scalar) - (sp(1) + sp(-0.5)) / 2) < 1e-5)
        #expect(abs(GANObjective.lsgan.discriminatorLoss(realLogits: real, fakeLogits: fake).value.scalar - 0.5 * ((1 + 0.25) / 2 + (1 + 0.25) / 2)) < 1e-6)
        #expect(abs(GANObjective.lsgan.generatorLoss(fakeLogits: fake).value.scalar - (4 + 0.25) / 2) < 1e-6)
        // Hinge: relu(1 - [2, 0.5]) = [0, 0.5], relu(1 + [-1, 0.5]) = [0, 1.5].
        #expect(abs(GANObjective.hinge.discriminatorLoss(realLogits: real, fakeLogits: fake).value.scalar - (0.25 + 0.75)) < 1e-6)
        #expect(abs(GANObjective.hinge.generatorLoss(fakeLogits: fake).value.scalar - 0.25) < 1e-6)
    }

    @Test func minimaxGeneratorIsMinusDiscriminatorFakeTerm() {
        let fake = randomParameter([5], seed: 63)
        var rng = SeededGenerator(seed: 64)
        let real = Variable(Tensor.randomNormal([5], using: &rng))
        for objective in GANObjective.allCases {
            expectGradientsMatch([fake]) { objective.generatorLoss(fakeLogits: fake) }
        }
        let gLoss = GANObjective.minimax.generatorLoss(fakeLogits: fake).value.scalar
        let dLoss = GANObjective.minimax.discriminatorLoss(realLogits: real, fakeLogits: fake).value.scalar
        let dRealOnly = bceWithLogitsLoss(real, 1).value.scalar
        #expect(abs(gLoss + (dLoss - dRealOnly)) < 1e-5)
    }
}
