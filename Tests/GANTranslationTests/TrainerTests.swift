import Foundation
import Testing
import GANCore
import GANImageIO
import GANTraining
@testable import GANTranslation

/// Three small images per domain in a temporary folder.
func makeDomains() throws -> (root: String, a: [String], b: [String]) {
    let root = temporaryFolder()
    var a: [String] = [], b: [String] = []
    for k in 0..<3 {
        a.append(root + "/a\(k).png"); b.append(root + "/b\(k).png")
        try testImage(width: 40, height: 40, tint: k).write(to: a[k])
        try testImage(width: 44, height: 40, layout: .gray, tint: 10 * k).write(to: b[k])
    }
    return (root, a, b)
}

func quietSettings(_ folder: String) -> TrainingLoop {
    var s = TrainingLoop(runFolder: folder)
    s.checkpointEvery = []; s.sampleEvery = nil; s.progressEvery = nil
    return s
}

@Suite(.serialized) struct TrainerTests {
    @Test func resumeContinuesExactly() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        // 2 epochs of 3 items; 4 steps cross the epoch boundary (learning rate changes) and fill the pools (capacity 3).
        let straight = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 1), data: data,
                                       settings: quietSettings(root + "/straight"))
        #expect(try straight.run(maxSteps: 4) == .stepLimit)

        let first = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 1), data: data,
                                    settings: quietSettings(root + "/split"))
        try first.run(maxSteps: 2)
        try first.saveCheckpoint()
        let second = try CycleGANTrainer(resuming: quietSettings(root + "/split"), data: data)
        #expect(second.step == 2 && second.index == 2)
        try second.run(maxSteps: 2)

        #expect(second.step == 4 && second.epoch == 1 && second.index == 1)
        for (x, y) in zip(straight.model.networks, second.model.networks) {
            #expect(x.module.stateDict() == y.module.stateDict(), "\(x.name) differs after resume")
        }
        #expect(straight.model.generatorOptimizer.firstMoments == second.model.generatorOptimizer.firstMoments)
        #expect(straight.model.discriminatorOptimizer.secondMoments == second.model.discriminatorOptimizer.secondMoments)
        #expect(straight.model.fakeBPool == second.model.fakeBPool)
        let log = try String(contentsOfFile: root + "/split/loss_log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 5)
    }

    /// A resumed run given new epoch counts trains on to the new end at the new schedule's rates, its checkpoints keep
    /// the new counts, and a schedule that ends before the checkpoint's epoch is refused.
    @Test func resumeWithAChangedScheduleKeepsIt() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        let first = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 1), data: data, settings: quietSettings(root))
        try first.run(maxSteps: 4)   // 1 + 1 epochs of 3 pairs: epoch 1, index 1
        try first.saveCheckpoint()
        #expect(throws: TranslationCheckpointError.self) {
            try CycleGANTrainer(resuming: quietSettings(root), data: data, rescheduling: ScheduleChange(decayEpochs: 0))
        }
        let longer = try CycleGANTrainer(resuming: quietSettings(root), data: data, rescheduling: ScheduleChange(decayEpochs: 3))
        #expect(longer.totalEpochs == 4 && longer.step == 4)
        try longer.run(maxSteps: 3)   // into epoch 2, which the old schedule did not have
        #expect(longer.epoch == 2)
        let base = tinyOptions().learningRate
        #expect(longer.model.learningRate == base * (1 - 2.0 / 4))   // LambdaLR: 1 - (epoch + 1 - constant) / (decay + 1)
        try longer.saveCheckpoint()
        let again = try CycleGANTrainer(resuming: quietSettings(root), data: data)
        #expect(again.model.options.decayEpochs == 3 && again.step == 7)
        #expect(try again.run() == .finished && again.step == 12)
    }

    /// `batchSize` 2 over 3 pairs: each step takes the next 2 of the epoch's order, the odd one left at an epoch's end
    /// is not trained on, and the batch equals one step on the same two pairs stacked.
    @Test func batchesTakeTheNextPairsAndDropAnEpochsRemainder() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        var options = tinyOptions()
        options.batchSize = 2
        let trainer = CycleGANTrainer(model: CycleGANModel(options: options, seed: 1), data: data, settings: quietSettings(root + "/batch"))
        #expect(try trainer.run() == .finished)
        #expect(trainer.step == 2 && trainer.epoch == 2, "one step in each of 2 epochs, not \(trainer.step)")
        let log = try String(contentsOfFile: root + "/batch/loss_log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)

        let reference = CycleGANModel(options: options, seed: 1)
        for epoch in 0..<2 {
            reference.setLearningRate(epoch: epoch)
            let pairs = try (0..<2).map { try data.pair(epoch: epoch, index: $0) }
            func stacked(_ t: [Tensor]) -> Tensor { Tensor(shape: [2] + t[0].shape.dropFirst(), scalars: t.flatMap(\.scalars)) }
            _ = reference.trainStepWithVisuals(realA: stacked(pairs.map(\.a)), realB: stacked(pairs.map(\.b)))
        }
        for (x, y) in zip(trainer.model.networks, reference.networks) {
            #expect(x.module.stateDict() == y.module.stateDict(), "\(x.name) differs from the stacked steps")
        }
        var one = tinyOptions()
        one.batchSize = 2
        one.method = .cut
        #expect(one.problem != nil, "CUT takes batch 1 only")
    }

    @Test func finishesWritesSamplesAndStopsOnRequest() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 20, cropSize: 16), seed: 1)
        var settings = quietSettings(root + "/run")
        settings.sampleEvery = .seconds(0)
        let trainer = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 2), data: data, settings: settings)
        #expect(try trainer.run() == .finished)
        #expect(trainer.step == 6)
        let (state, folder) = try CycleGANCheckpoint.latestState(runFolder: root + "/run")
        #expect(state.step == 6 && state.epoch == 2)
        for file in ["G_A", "G_B", "D_A", "D_B", "optimizer_G", "optimizer_D", "pools"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(file).safetensors"))
        }
        let weights = try SafeTensors.read(contentsOf: folder + "/G_A.safetensors").tensors
        #expect(weights["model.1.weight"] != nil)
        let grid = try Image(contentsOf: root + "/run/samples/latest.png")
        #expect((grid.width, grid.height) == (3 * 16 + 4, 2 * 16 + 2))
        #expect(FileManager.default.fileExists(atPath: root + "/run/loss_curve.png"))

        let stopping = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 2), data: data, settings: quietSettings(root + "/stop"))
        stopping.stopFlag.raise()
        #expect(try stopping.run() == .stopped)
        #expect(try CycleGANCheckpoint.latestState(runFolder: root + "/stop").state.step == 0)
        try stopping.saveCheckpoint()   // same step again: the folder latest.json names must survive
        #expect(try CycleGANModel.loadLatest(runFolder: root + "/stop").state.step == 0)
        let signalled = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 2), data: data, settings: quietSettings(root + "/signal"))
        signalled.stopFlag.raise(signal: SIGTERM)
        #expect(try signalled.run() == .interrupted(signal: SIGTERM), "a signal is reported so that gantool exits 128 + 15")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/stop/checkpoints").sorted()
        #expect(leftovers == ["latest.json", "step-000000000"])
    }

    @Test func resumeWithoutCheckpointIsAnError() throws {
        let data = try UnpairedImageFolder(pathsA: ["a.png"], pathsB: ["b.png"])
        #expect(throws: TranslationCheckpointError.noCheckpoint(folder: "/nonexistent/run")) {
            try CycleGANTrainer(resuming: quietSettings("/nonexistent/run"), data: data)
        }
    }
}

@Suite struct LossCurveTests {
    @Test func parsesTheLogAndDrawsEverySeries() throws {
        let csv = "step,epoch,seconds,lr,G_A,D_A\n1,0,0.1,0.0002,1.0,0.5\n2,0,0.2,0.0002,0.8,0.4\n3,0,0.3,0.0002,0.6,nan\n"
        let (steps, series) = LossCurve.read(csv: csv)
        #expect(steps == [1, 2, 3] && series.count == 2 && series[0] == [1.0, 0.8, 0.6])
        let image = try #require(LossCurve.image(steps: steps, series: series, width: 100, height: 60))
        #expect((image.width, image.height) == (100, 60))
        let red = (0..<(100 * 60)).filter { p in image[x: p % 100, y: p / 100, channel: 0] == 228 && image[x: p % 100, y: p / 100, channel: 1] == 26 }
        #expect(red.count > 60)
        #expect(LossCurve.image(steps: [1], series: [[1]]) == nil)
    }
}
