import GANTraining
import Foundation
import Testing
import GANConditional
@testable import GANKit

/// `ConditionalTrainingRun.snapshotEvery` (`train cgan --snapshot-every`): kept checkpoints are whole checkpoint folders.
struct SnapshotTests {
    private func tinyRun(data: String, output: String, steps: Int) -> ConditionalTrainingRun {
        var run = ConditionalTrainingRun(dataDirectory: data, outputDirectory: output, steps: steps)
        (run.configuration.latentSize, run.configuration.generatorWidth, run.configuration.discriminatorWidth) = (8, 4, 4)
        (run.options.batchSize, run.checkpointEvery, run.handlesSignals) = (4, 1, false)
        return run
    }

    /// The names in `folder`, sorted (not recursive).
    private func entries(_ folder: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    /// loss_log.csv's lr column is the rate each step trained with: decayed, not the base rate.
    @Test func lossLogRecordsTheDecayedRate() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.writeTinyIDX(into: dir.path)
        var run = tinyRun(data: dir.path, output: dir.path + "/model", steps: 4)
        (run.options.decayStartStep, run.options.decayEndStep) = (0, 4)
        try run.run(log: { _ in })
        let rows = try String(contentsOfFile: dir.path + "/model/loss_log.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let rates = rows.map { Double($0.split(separator: ",")[3]) ?? -1 }
        #expect(rates.count == 4)
        for (rate, factor) in zip(rates, [1, 0.75, 0.5, 0.25]) { #expect(abs(rate - 2e-4 * factor) < 1e-9) }
    }

    @Test func snapshotsAreWholeCheckpointsThatResumeExactly() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.writeTinyIDX(into: dir.path)
        let model = dir.path + "/model"
        var run = tinyRun(data: dir.path, output: model, steps: 4)
        run.snapshotEvery = 2
        try run.run(log: { _ in })
        #expect(entries(model + "/snapshots") == ["step-00000002", "step-00000004"])
        let two = ConditionalTrainingRun.snapshotFolder(model, step: 2)
        #expect(try ConditionalGANTrainer.readState(from: two).step == 2)
        #expect(CheckpointVerification.verify(two).isValid)
        #expect(entries(two) == ["discriminator-00000002.safetensors", "generator-00000002.safetensors",
                                                                 "optimizers-00000002.safetensors", "samples.png", "state.json"])
        // Later saves removed the run's step-2 files; the snapshot's are intact and differ from step 4's.
        let final = try ConditionalGANTrainer.loadGenerator(from: model).stateDict()
        #expect(try ConditionalGANTrainer.loadGenerator(from: two).stateDict() != final)
        #expect(try ConditionalGANTrainer.loadGenerator(from: ConditionalTrainingRun.snapshotFolder(model, step: 4)).stateDict() == final)

        // A fork of the step-2 snapshot, resumed to step 4, lands on the run's own step-4 weights.
        let fork = dir.path + "/fork"
        try FileManager.default.copyItem(atPath: two, toPath: fork)
        var resumed = tinyRun(data: dir.path, output: fork, steps: 4)
        resumed.resume = true
        try resumed.run(log: { _ in })
        #expect(try ConditionalGANTrainer.loadGenerator(from: fork).stateDict() == final)

        // checkpoint verify loads the snapshots too, oldest first, and lists what a killed snapshot left.
        try FileManager.default.createDirectory(atPath: model + "/snapshots/.step-00000006.partial-99999", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: model + "/snapshots/step-00000002.eval.json"))   // a user's file: not a snapshot
        let report = CheckpointVerification.verify(model)
        #expect(report.isValid && report.checkpoints.map(\.step) == [2, 4, 4] && report.checkpoints.map(\.isLatest) == [false, false, true])
        #expect(report.leftovers == [model + "/snapshots/.step-00000006.partial-99999"])

        // Keeping a step again replaces its snapshot and clears such leftovers; a folder without a checkpoint is
        // refused, naming it.
        try ConditionalGANTrainer.keepSnapshot(of: model, at: two)
        #expect(try ConditionalGANTrainer.readState(from: two).step == 4)
        #expect(entries(model + "/snapshots") == ["step-00000002", "step-00000002.eval.json", "step-00000004"])
        #expect(throws: TrainingFolderError.missingState(path: dir.path + "/empty")) {
            try ConditionalGANTrainer.keepSnapshot(of: dir.path + "/empty", at: dir.path + "/x")
        }
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func snapshotEveryMustBeAMultipleOfCheckpointEvery() throws {
        let dir = try ScratchFolder()
        try ConditionalCommandTests.writeTinyIDX(into: dir.path)
        let common = ["train", "cgan", "--mnist", dir.path, "-o", dir.path + "/m", "--batch-size", "4", "--width", "4", "--latent-size", "8",
                      "--steps", "2", "--checkpoint-every", "2"]
        let odd = try CommandLineTests.run(common + ["--snapshot-every", "3"])
        #expect(odd.status != 0 && odd.stderr.contains("--snapshot-every must be a positive multiple of --checkpoint-every (2)"))
        let kept = try CommandLineTests.run(common + ["--snapshot-every", "2"])
        #expect(kept.status == 0 && entries(dir.path + "/m/snapshots") == ["step-00000002"], "\(kept.stderr)")
    }
}
