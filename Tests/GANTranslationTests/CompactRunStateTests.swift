import Foundation
import Testing
import GANCore
import GANTraining
@testable import GANTranslation

/// `CompactRunState.keep`: the small copy of a run's checkpoint that --resume takes.
@Suite(.serialized) struct CompactRunStateTests {
    @Test func aKeptCopyIsHalfTheSizeAndResumesCloseToTheRun() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        let run = CycleGANTrainer(model: CycleGANModel(options: tinyOptions(), seed: 1), data: data, settings: quietSettings(root + "/run"))
        try run.run(maxSteps: 2)
        try run.saveCheckpoint()
        try FileManager.default.createDirectory(atPath: root + "/kept/stale", withIntermediateDirectories: true)
        let kept = try CompactRunState.keep(runFolder: root + "/run", in: root + "/kept")
        #expect(kept.step == 2 && kept.folder == root + "/kept/checkpoints/step-000000002")
        #expect(!FileManager.default.fileExists(atPath: root + "/kept/stale"), "the destination is replaced as a whole")
        #expect(!FileManager.default.fileExists(atPath: kept.folder + "/pools.safetensors"))
        let original = try CycleGANCheckpoint.latestState(runFolder: root + "/run").folder
        for (file, dtype) in [("G_A", WeightDType.f16), ("D_B", .f16), ("optimizer_G", .bf16)] {
            let small = try SafeTensors.read(contentsOf: "\(kept.folder)/\(file).safetensors").tensors
            let full = try SafeTensors.read(contentsOf: "\(original)/\(file).safetensors").tensors
            #expect(small.names == full.names && small.allSatisfy { $0.1.dtype == dtype }, "\(file)")
            for (name, t) in full {
                let s = try #require(small[name])
                let worst = zip(s.values, t.values).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
                #expect(worst < 1e-2, "\(file) \(name) moved by \(worst)")
            }
        }
        let resumed = try CycleGANTrainer(resuming: quietSettings(root + "/kept"), data: data)
        #expect(resumed.step == 2 && resumed.model.fakeAPool.images.isEmpty)
        try resumed.run(maxSteps: 1)
        try run.run(maxSteps: 1)
        // One more step from the copy lands close to the run's own third step (only the pools and the rounding differ).
        let ours = resumed.model.generatorA.parameters()[0].value.scalars, theirs = run.model.generatorA.parameters()[0].value.scalars
        let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-2 && worst > 0, "\(worst)")
        #expect(throws: TranslationCheckpointError.self) { try CompactRunState.keep(runFolder: root + "/none", in: root + "/kept2") }
        #expect(!FileManager.default.fileExists(atPath: root + "/kept2"))
    }
}
