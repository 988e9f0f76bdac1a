import Foundation
import Testing
import GANCore
import GANTranslation
@testable import GANKit

/// `gantool import` / `gantool models` end to end, on Fixtures/import (tools/make_import_fixtures.py): two tiny junyanz
/// ResnetGenerator checkpoints (ngf 2, 1 block; G_A legacy format with DataParallel's `module.` prefix and stale
/// InstanceNorm statistics, G_B zip format) and PyTorch's outputs of both on one input.
@Suite struct ImportCommandTests {
    static let fixtures = RepositoryPaths.root + "/Fixtures/import"
    static let checkpointA = fixtures + "/tiny_G_A.pth"
    static let checkpointB = fixtures + "/tiny_G_B.pth"

    func request(_ name: String = "tiny", fp16: Bool = false) -> TranslationImport {
        TranslationImport(checkpointA: Self.checkpointA, checkpointB: Self.checkpointB, name: name, domainA: "horses", domainB: "zebras",
                          halfPrecision: fp16)
    }

    /// Largest |ours - PyTorch's| over largest |PyTorch's|, for generator `name` of `model` on the fixture's input.
    func relativeError(_ model: TranslationModel, _ name: String) throws -> Float {
        let expected = try SafeTensors.read(contentsOf: Self.fixtures + "/expected.safetensors").tensors
        let input = try expected.tensor("input")
        let want = try expected.tensor(name)
        let generator = try model.loadGenerator(name)
        let got = withNoGrad { generator(Variable(Tensor(shape: input.shape, scalars: input.values))) }
        #expect(got.shape == want.shape)
        let scale = want.values.map(abs).max() ?? 1
        return zip(got.value.scalars, want.values).map { abs($0 - $1) }.max()! / scale
    }

    @Test func importedModelMatchesPyTorchAndIsFoundByDomain() throws {
        let dir = try ScratchFolder()
        let model = try request().run(into: dir.path + "/models")
        #expect(model.folder == dir.path + "/models/tiny")
        #expect(model.manifest.domainA == "horses" && model.manifest.options.ngf == 2 && model.manifest.options.resnetBlocks == 1)
        #expect(try relativeError(model, "G_A") <= 1e-4)
        #expect(try relativeError(model, "G_B") <= 1e-4)
        // Canonical names only: no `module.` prefix, no stale InstanceNorm statistics.
        let names = try SafeTensors.read(contentsOf: model.folder + "/G_A.safetensors").tensors.names
        #expect(names.first == "model.1.weight" && !names.contains { $0.hasPrefix("module.") || $0.contains("running") })
        let (found, generator) = try TranslationModels.resolve(to: "zebras", model: nil, in: dir.path + "/models")
        #expect(found.manifest.name == "tiny" && generator == "G_A")
        // Only the model folder is left: no temporary folders.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/models") == ["tiny"])

        // F16 weights: half the bytes, still close.
        let half = try request("tiny16", fp16: true).run(into: dir.path + "/models")
        #expect(try SafeTensors.read(contentsOf: half.folder + "/G_A.safetensors").tensors["model.1.weight"]?.dtype == .f16)
        #expect(try relativeError(half, "G_A") <= 1e-2)
    }

    /// The zoo's form: one `latest_net_G.pth` per direction. One checkpoint makes a one-direction model at parity with
    /// PyTorch; `addReverse` gives it the other generator, also at parity.
    @Test func singleZooCheckpointThenItsReverse() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        let one = try TranslationImport(checkpointA: Self.checkpointA, checkpointB: nil, name: "tiny", domainA: "horses", domainB: "zebras")
            .run(into: models)
        #expect(!one.translatesBothWays && one.generatorNames == ["G_A"])
        #expect(try relativeError(one, "G_A") <= 1e-4)
        #expect(!FileManager.default.fileExists(atPath: one.folder + "/G_B.safetensors"))
        #expect(throws: (any Error).self) { try one.loadGenerator("G_B") }
        #expect(try TranslationModels.resolve(to: "zebras", model: nil, in: models).1 == "G_A")
        do {
            _ = try TranslationModels.resolve(to: "horses", model: nil, in: models)
            Issue.record("translating into horses should be refused")
        } catch {
            #expect("\(error)".contains("--reverse"), "\(error)")
        }
        let both = try TranslationImport.addReverse(checkpoint: Self.checkpointB, name: "tiny", in: models)
        #expect(both.translatesBothWays && both.manifest.domainA == "horses")
        #expect(try relativeError(both, "G_A") <= 1e-4)
        #expect(try relativeError(both, "G_B") <= 1e-4)
        #expect(try TranslationModels.resolve(to: "horses", model: nil, in: models).1 == "G_B")
        #expect(try FileManager.default.contentsOfDirectory(atPath: both.folder).sorted() == ["G_A.safetensors", "G_B.safetensors", "manifest.json"])
        // A model that already goes both ways takes no reverse.
        #expect(throws: TranslationImportError.self) { try TranslationImport.addReverse(checkpoint: Self.checkpointB, name: "tiny", in: models) }
    }

    @Test func refusalsAreClearAndLeaveNothingBehind() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        try request().run(into: models)
        #expect(throws: TranslationImportError.exists(folder: models + "/tiny")) { try request().run(into: models) }
        var replace = request()
        replace.overwrite = true
        try replace.run(into: models)

        var wrong = request("wrong")
        wrong.ngf = 4
        wrong.resnetBlocks = 2
        do {
            try wrong.run(into: models)
            Issue.record("misfit imported")
        } catch {
            guard case let .doesNotFit(file, _, missing, unexpected, mismatched, hint) = error else { Issue.record("\(error)"); return }
            #expect(file == Self.checkpointA)
            #expect(missing.contains("model.11.conv_block.1.weight"))
            #expect(unexpected.contains("model.11.weight"))
            #expect(mismatched.contains("model.1.weight: checkpoint [2, 3, 7, 7], model [4, 3, 7, 7]"))
            #expect(hint?.contains("--ngf 2 --blocks 1 --norm instance") == true)
            #expect(error.description.contains("tiny_G_A.pth does not fit a ResnetGenerator (resnet_2blocks, ngf 4, instance norm)"))
        }
        do {
            try TranslationImport(checkpointA: Self.fixtures + "/evil_legacy.pth", checkpointB: Self.checkpointB, name: "evil",
                                  domainA: "a", domainB: "b").run(into: models)
            Issue.record("malicious checkpoint imported")
        } catch {
            #expect(error.description.contains("evil_legacy.pth") && error.description.contains("forbidden global 'posix.system'"))
        }
        #expect(throws: TranslationImportError.self) {
            try TranslationImport(checkpointA: dir.path + "/none.pth", checkpointB: Self.checkpointB, name: "x", domainA: "a", domainB: "b").run(into: models)
        }
        for (name, a, b) in [("../x", "a", "b"), (".x", "a", "b"), ("x", "", "b"), ("x", "Cats", "cats")] {
            do {
                try TranslationImport(checkpointA: Self.checkpointA, checkpointB: Self.checkpointB, name: name, domainA: a, domainB: b).run(into: models)
                Issue.record("accepted \(name) \(a) \(b)")
            } catch {
                guard case .invalidName = error else { Issue.record("\(error)"); continue }
            }
        }
        #expect(throws: TranslationImportError.invalidName(what: "norm", value: "group", reason: "use instance, batch or none")) {
            try TranslationImport(checkpointA: "a", checkpointB: "b", name: "x", domainA: "a", domainB: "b", ngf: nil, resnetBlocks: nil,
                                  normName: "group", halfPrecision: false, overwrite: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: models) == ["tiny"])
    }

    @Test func catalogListsModelsAndSkippedFolders() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        try request().run(into: models)
        try FileManager.default.createDirectory(atPath: models + "/broken", withIntermediateDirectories: true)
        _ = try dir.file("models/notes.txt", "x")
        let catalog = ModelCatalog(explicit: models)
        #expect(catalog.source == .option && catalog.folder == models)
        #expect(catalog.models.map(\.name) == ["tiny"])
        let m = try #require(catalog.models.first)
        #expect(m.folder == models + "/tiny" && m.kind == "gankit-cyclegan" && m.domainA == "horses" && m.domainB == "zebras")
        #expect(m.architecture == "resnet_1blocks, ngf 2, instance norm" && m.trainingSteps == nil && m.problems.isEmpty)
        #expect(catalog.skipped.map(\.folder) == [models + "/broken"])
        #expect(catalog.text.contains("tiny  horses <-> zebras  [resnet_1blocks, ngf 2, instance norm]"))
        try FileManager.default.removeItem(atPath: models + "/tiny/G_B.safetensors")
        #expect(ModelCatalog(folder: models, source: .package).models.first?.problems == ["missing G_B.safetensors"])
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func oneCheckpointAndReverseFromTheCommandLine() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        let one = try CommandLineTests.run(["import", Self.checkpointA, "--name", "h2z", "--from", "horses", "--to", "zebras", "-o", models])
        #expect(one.status == 0 && one.stdout.contains("horses -> zebras"), "\(one.stderr)")
        let photo = try dir.image("horse.png", width: 16, height: 16)
        let back = try CommandLineTests.run(["translate", photo, "--to", "horses", "--models", models, "-o", dir.path + "/h.png"])
        #expect(back.status == 1 && back.stderr.contains("--reverse"), "\(back.stderr)")
        let reverse = try CommandLineTests.run(["import", Self.checkpointB, "--name", "h2z", "--reverse", "-o", models])
        #expect(reverse.status == 0 && reverse.stdout.contains("horses <-> zebras"), "\(reverse.stderr)")
        let now = try CommandLineTests.run(["translate", photo, "--to", "horses", "--models", models, "-o", dir.path + "/h.png"])
        #expect(now.status == 0 && FileManager.default.fileExists(atPath: dir.path + "/h.png"), "\(now.stderr)")
        #expect(try CommandLineTests.run(["import", Self.checkpointA, "--name", "x", "-o", models]).status == 64)  // no domains
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func commandsRunEndToEnd() throws {
        let dir = try ScratchFolder()
        let models = dir.path + "/models"
        let imported = try CommandLineTests.run(["import", Self.checkpointA, Self.checkpointB, "--name", "tiny", "--a-name", "horses",
                                                 "--b-name", "zebras", "-o", models])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported tiny (horses <-> zebras, resnet_1blocks, ngf 2, instance norm, F32) into \(models)/tiny"))
        // One checkpoint is a one-direction model now (the zoo's form; oneCheckpointAndReverseFromTheCommandLine);
        // three are refused as a usage error.
        let three = try CommandLineTests.run(["import", Self.checkpointA, Self.checkpointB, Self.checkpointA, "--name", "x",
                                              "--a-name", "a", "--b-name", "b", "-o", models])
        #expect(three.status == 64 && three.stderr.contains("give one checkpoint"))
        let misfit = try CommandLineTests.run(["import", Self.checkpointA, Self.checkpointB, "--name", "y", "--a-name", "a", "--b-name", "b",
                                               "--arch", "resnet_9blocks", "-o", models])
        #expect(misfit.status == 1 && misfit.stderr.contains("missing") && misfit.stderr.contains("--blocks 1"))
        let listed = try CommandLineTests.run(["models", "--models", models, "--json"])
        #expect(listed.status == 0)
        let catalog = try JSONDecoder().decode(ModelCatalog.self, from: Data(listed.stdout.utf8))
        #expect(catalog.models.map(\.name) == ["tiny"] && catalog.source == .option)
        let text = try CommandLineTests.run(["models", "--models", models])
        #expect(text.stdout.contains("models in \(models) (from --models)") && text.stdout.contains("horses <-> zebras"))
        let image = try dir.image("in/h.png", width: 20, height: 12)
        let translated = try CommandLineTests.run(["translate", image, "--to", "zebras", "--models", models, "-o", dir.path + "/out.png"])
        #expect(translated.status == 0, "\(translated.stderr)")
        #expect(try Image(contentsOf: dir.path + "/out.png").width == 20)
    }
}
