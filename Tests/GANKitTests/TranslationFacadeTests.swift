import Foundation
import Testing
import GANCore
import GANTranslation
@testable import GANKit

@Suite struct TranslationFacadeTests {
    @Test func resolvesTheModelAndDirectionFromTheTargetDomain() throws {
        let root = NSTemporaryDirectory() + "gankit-models-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = CycleGANOptions()
        options.ngf = 2; options.ndf = 2; options.resnetBlocks = 1
        let model = CycleGANModel(options: options, seed: 1)
        try TranslationModel.export(model, manifest: TranslationManifest(name: "cat2dog", domainA: "cats", domainB: "dogs", options: options),
                                    to: root + "/cat2dog")
        try TranslationModel.export(model, manifest: TranslationManifest(name: "horse2zebra", domainA: "horses", domainB: "zebras", options: options),
                                    to: root + "/horse2zebra")
        #expect(TranslationModels.available(in: root).count == 2)
        let (found, generator) = try TranslationModels.resolve(to: "zebras", model: nil, in: root)
        #expect(found.manifest.name == "horse2zebra" && generator == "G_A")
        #expect(try TranslationModels.resolve(to: "cats", model: "cat2dog", in: root).generator == "G_B")
        #expect(throws: TranslationError.unknownDomain("birds", available: ["cats", "dogs", "horses", "zebras"])) {
            try TranslationModels.resolve(to: "birds", model: nil, in: root)
        }
        #expect(throws: TranslationError.noModels(folder: root + "/none")) { try TranslationModels.resolve(to: "cats", model: nil, in: root + "/none") }
        #expect(TranslationModels.folder(explicit: "/x/models") == "/x/models")
    }

    @Test func aOneDirectionModelRefusesTheOtherDirection() throws {
        let root = NSTemporaryDirectory() + "gankit-models-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = CycleGANOptions.cut()
        options.ngf = 2; options.ndf = 2; options.resnetBlocks = 1; options.ncePatches = 4; options.nceUnits = 4
        try TranslationModel.export(CUTModel(options: options, seed: 1),
                                    manifest: TranslationManifest(name: "cat2dog-cut", domainA: "cats", domainB: "dogs", options: options),
                                    to: root + "/cat2dog-cut")
        #expect(try TranslationModels.resolve(to: "dogs", model: nil, in: root).generator == "G_A")
        #expect(throws: TranslationError.oneDirection(model: "cat2dog-cut", from: "cats", to: "dogs")) {
            try TranslationModels.resolve(to: "cats", model: nil, in: root)
        }
        #expect(TranslationError.oneDirection(model: "cat2dog-cut", from: "cats", to: "dogs").description.contains("only translates cats to dogs"))
        let summary = ModelCatalog(folder: root, source: .option).models.first
        #expect(summary?.oneWay == true && summary?.problems == [] && summary?.architecture.contains("cut, A -> B only") == true)
    }

    @Test func aUGATITRunVerifiesAndItsModelIsListed() throws {
        let root = NSTemporaryDirectory() + "gankit-ugatit-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = CycleGANOptions.ugatit()
        options.ngf = 2; options.ndf = 2; options.resnetBlocks = 1; options.discriminatorLayers = 1
        let model = UGATITModel(options: options, seed: 1)
        model.trainStep(realA: Tensor.zeros([1, 3, 32, 32]), realB: Tensor.ones([1, 3, 32, 32]))
        let state = model.trainingState(step: 1, epoch: 0, index: 1, dataSeed: 0, trainingSeconds: 1, skippedItems: nil)
        try model.saveCheckpoint(state: state, runFolder: root + "/run")
        let report = CheckpointVerification.verify(root + "/run")
        #expect(report.isValid && report.checkpoints.map(\.step) == [1], "\(report.problems) \(report.checkpoints)")
        try TranslationModel.export(model, manifest: TranslationManifest(name: "c2d", domainA: "cats", domainB: "dogs", options: options),
                                    to: root + "/models/c2d")
        let summary = ModelCatalog(folder: root + "/models", source: .option).models.first
        #expect(summary?.oneWay != true && summary?.problems == [] && summary?.architecture == "ugatit light, 1 + 1 blocks, ngf 2")
        #expect(try TranslationModels.resolve(to: "cats", model: nil, in: root + "/models").generator == "G_B")
    }

    @Test func domainNamesDefaultToTheFolderNames() {
        let job = TranslationTrainingRun(inputsA: ["data/horses/"], inputsB: ["data/zebras"], name: "h2z")
        #expect(job.domainA == "horses" && job.domainB == "zebras" && job.runFolder == "runs/h2z")
    }
}
