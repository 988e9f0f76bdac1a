import Foundation
import Testing
import GANCore
import GANImageIO
import GANTraining
@testable import GANTranslation

/// Lines a trainer reported.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var all: [String] { lock.withLock { stored } }
}

/// A NaN in training: the step is reported, and the run stops or rolls back to the last good checkpoint.
@Suite struct NonFiniteTests {
    let lines = Lines()

    /// A trainer over 2 epochs of 3 items (6 steps) with a checkpoint every `every` steps, `policy` on NaN, and a
    /// NaN written into G_A's first weight before each step `poison` says.
    func trainer(policy: NonFinitePolicy, every: Int = 2, poison: @escaping (Int) -> Bool) throws -> (CycleGANTrainer, String) {
        let (root, a, b) = try makeDomains()
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 20, cropSize: 16), seed: 3)
        var settings = quietSettings(root + "/run")
        settings.checkpointEvery = [.steps(every)]
        settings.onNonFinite = policy
        settings.progress = { [lines] line in lines.append(line) }
        let trainer = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 4), data: data, settings: settings)
        trainer.beforeStep = { step, model in
            guard poison(step) else { return }
            let weight = model.generatorA.namedParameters()[0].parameter
            var value = weight.value
            value.scalars[0] = .nan
            weight.value = value
        }
        return (trainer, root)
    }

    func lossLogSteps(_ root: String) throws -> [Int] {
        try String(contentsOfFile: root + "/run/loss_log.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Int($0.prefix { $0 != "," })! }
    }

    @Test func stopReportsTheStepAndKeepsTheLastGoodCheckpoint() throws {
        let (trainer, root) = try trainer(policy: .stop) { $0 == 3 }
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            try trainer.run()
            Issue.record("a NaN went unnoticed")
        } catch let error as NonFiniteTrainingError {
            #expect(error.step == 3 && error.lastGoodStep == 2 && error.rollbacks == 0)
            #expect(error.detail.hasPrefix("losses ") && error.detail.contains("nan"))
            #expect(error.description.contains("step 3: non-finite values") && error.description.contains("step-000000002"))
        }
        let (model, state) = try CycleGANModel.loadLatest(runFolder: root + "/run")
        #expect(state.step == 2)
        #expect(model.networks.allSatisfy { $0.module.firstNonFiniteState() == nil }, "the checkpoint holds the good weights")
        #expect(try lossLogSteps(root) == [1, 2], "no NaN row in the log")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/run/checkpoints").sorted() == ["latest.json", "step-000000002"])
    }

    @Test func rollbackReloadsTheCheckpointAndPassesOverTheItem() throws {
        var poisoned = false
        let (trainer, root) = try trainer(policy: .rollback) { step in
            defer { if step == 3 { poisoned = true } }
            return step == 3 && !poisoned
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try trainer.run() == .finished)
        #expect(trainer.rollbacks == 1)
        #expect(trainer.skippedItems == [DataPosition(epoch: 0, index: 2)], "step 3 was item 3 of epoch 1")
        #expect(trainer.step == 5, "6 items, one passed over")
        #expect(trainer.nonFiniteState() == nil)
        #expect(lines.all.contains { $0.hasPrefix("step 3: non-finite values (losses ") && $0.contains("rolled back to step 2")
                                     && $0.contains("item 3 of epoch 1 will be passed over") })
        let (_, state) = try CycleGANModel.loadLatest(runFolder: root + "/run")
        #expect(state.step == 5 && state.skippedItems == [DataPosition(epoch: 0, index: 2)])
        #expect(try lossLogSteps(root) == [1, 2, 3, 4, 5], "the rows of the undone step are gone")

        // A resumed run keeps passing over the item.
        let resumed = try CycleGANTrainer(resuming: quietSettings(root + "/run"), data: trainer.data)
        #expect(resumed.skippedItems == trainer.skippedItems)
    }

    @Test func rollbackGivesUpWhenNaNKeepsComing() throws {
        let (trainer, root) = try trainer(policy: .rollback) { $0 >= 3 }
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            try trainer.run()
            Issue.record("a run that never recovers went on")
        } catch let error as NonFiniteTrainingError {
            #expect(error.rollbacks == 3 && error.lastGoodStep == 2)
            #expect(error.description.contains("again after 3 rollbacks in a row"))
        }
        #expect(trainer.rollbacks == 3)
        #expect(try CycleGANCheckpoint.latestState(runFolder: root + "/run").state.step == 2)
    }

    @Test func aCheckpointNeverHoldsNonFiniteWeights() throws {
        let (trainer, root) = try trainer(policy: .stop) { _ in false }
        defer { try? FileManager.default.removeItem(atPath: root) }
        try trainer.run(maxSteps: 1)
        try trainer.saveCheckpoint()
        let weight = trainer.model.discriminatorB.namedParameters().last!.parameter
        var value = weight.value
        value.scalars[value.scalars.count - 1] = -.infinity
        weight.value = value
        #expect(trainer.nonFiniteState()?.hasPrefix("parameter D_B.") == true)
        #expect(throws: NonFiniteTrainingError.self) { try trainer.saveCheckpoint() }
        #expect(try CycleGANCheckpoint.latestState(runFolder: root + "/run").state.step == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/run/checkpoints").sorted() == ["latest.json", "step-000000001"])
    }

    @Test func allFiniteSeesNaNAndInfinity() {
        #expect(allFinite([0, 1, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]))
        #expect(!allFinite([0, .nan]) && !allFinite([.infinity, 1]) && !allFinite([-.infinity]))
        #expect(nonFiniteLosses(names: ["a", "b", "c"], values: [1, .nan, .infinity]) == "b nan, c inf")
    }
}
