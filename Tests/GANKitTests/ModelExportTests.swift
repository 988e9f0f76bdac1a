import Foundation
import Testing
@testable import GANKit

/// `gantool export` and `--record`: a training run becomes a model found by name, carrying its metrics.
struct ModelExportTests {
    @Test func labelGANRunExportsLoadsByNameAndRecordsMetrics() throws {
        let dir = try ScratchFolder()
        let run = dir.path + "/run", models = dir.path + "/models"
        try ConditionalCommandTests.writeTinyIDX(into: dir.path)
        var training = ConditionalTrainingRun(dataDirectory: dir.path, outputDirectory: run, steps: 3)
        (training.configuration.latentSize, training.configuration.generatorWidth, training.configuration.discriminatorWidth) = (8, 4, 4)
        training.options.batchSize = 4
        training.options.averageDecay = 0.5
        _ = try training.run(log: { _ in })
        let report = CheckpointVerification.verify(run)
        #expect(report.isValid && report.leftovers.isEmpty, "the average generator's file is part of the checkpoint: \(report.text)")

        let names = (0..<10).map { "digit \($0)" }
        let exported = try ModelExport.export(run: run, name: "digits", models: models, classNames: names)
        #expect(exported.kind == "label-gan" && exported.folder == models + "/digits")
        #expect(dir.listing("models/digits") == ["generator.safetensors", "manifest.json"])
        let manifest = try LabelGANModel.readManifest(folder: exported.folder)
        #expect(manifest.averagedWeights && manifest.trainingSteps == 3 && manifest.classNames == names && manifest.trainingSeconds != nil)

        // Found by name; samples equal the checkpoint's averaged generator's.
        #expect(try ConditionalGeneration.folder(of: "digits", models: models) == exported.folder)
        let byName = try LabelConditionalModel(directory: try ConditionalGeneration.folder(of: "digits", models: models))
        let fromRun = try LabelConditionalModel(directory: run)
        #expect(try byName.images(label: 3, count: 2, seed: 9) == fromRun.images(label: 3, count: 2, seed: 9))
        #expect(try ConditionalGenerator(named: "digits", models: models).kind == .label(classCount: 10, imageSize: 28))
        #expect(ModelCatalog(folder: models, source: .option).models.map(\.name) == ["digits"])
        #expect(throws: ModelExport.Failure.exists(exported.folder)) { try ModelExport.export(run: run, name: "digits", models: models) }
        #expect(throws: ConditionalGeneratorError.self) { try ConditionalGeneration.folder(of: "nothing", models: models) }

        // F16 weights: half the file, the same images to within F16 rounding.
        let half = try ModelExport.export(run: run, name: "digits16", models: models, halfPrecision: true)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(try size(half.folder + "/generator.safetensors") < size(exported.folder + "/generator.safetensors") * 6 / 10)
        let a = try byName.images(label: 5, count: 1, seed: 2)[0], b = try LabelConditionalModel(directory: half.folder).images(label: 5, count: 1, seed: 2)[0]
        let gap = zip(a.samples, b.samples).map { abs(Int($0) - Int($1)) }.max() ?? 99
        #expect(gap <= 2, "largest 8-bit difference F32 vs F16: \(gap)")

        // Standing statistics: recomputed batch-norm statistics, the same on every export, recorded in the manifest.
        #expect(manifest.standingStatisticsBatches == nil)
        let standing = try ModelExport.export(run: run, name: "standing", models: models, standingStatistics: 5)
        let again = try ModelExport.export(run: run, name: "standing2", models: models, standingStatistics: 5)
        #expect(try LabelGANModel.readManifest(folder: standing.folder).standingStatisticsBatches == 5)
        let weights = { (folder: String) in try Data(contentsOf: URL(fileURLWithPath: folder + "/generator.safetensors")) }
        #expect(try weights(standing.folder) == weights(again.folder) && weights(standing.folder) != weights(exported.folder))
        #expect(try LabelConditionalModel(directory: standing.folder).images(label: 3, count: 2, seed: 9) != byName.images(label: 3, count: 2, seed: 9))
        #expect(throws: ModelExport.Failure.self) { try ModelExport.export(run: run, name: "none", models: models, standingStatistics: 0) }

        // Metrics recorded into the manifest, which still reads as a model.
        try ManifestEvaluation.record(Data(#"{"labelAccuracy": 0.5}"#.utf8), as: "generate", in: exported.folder)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported.folder + "/manifest.json"))) as? [String: Any]
        let recorded = (object?["evaluation"] as? [String: Any])?["generate"] as? [String: Any]
        #expect(recorded?["labelAccuracy"] as? Double == 0.5 && recorded?["measuredAt"] != nil)
        #expect(try LabelGANModel.readManifest(folder: exported.folder) == manifest)
        #expect(throws: ManifestEvaluation.Failure.self) { try ManifestEvaluation.record(Data("{}".utf8), as: "generate", in: run) }
        #expect(throws: ManifestEvaluation.Failure.self) { try ManifestEvaluation.record(Data("[1]".utf8), as: "generate", in: exported.folder) }
        #expect(throws: ModelExport.Failure.self) { try ModelExport.export(run: dir.path, name: "x", models: models) }
    }
}
