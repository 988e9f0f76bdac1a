import GANTraining
import Foundation
import Testing
import GANCore
import GANImageIO
@testable import GANTranslation

/// Tiny CUT (or FastCUT) settings: the tiny CycleGAN networks, 16 patches per layer, 8-unit heads.
func tinyCUTOptions(fast: Bool = false) -> CycleGANOptions {
    var o = tinyOptions()
    o.method = fast ? .fastCUT : .cut
    o.lambdaNCE = fast ? 10 : 1
    o.ncePatches = 16; o.nceUnits = 8
    return o
}

@Suite(.serialized) struct CUTTests {
    @Test func defaultsFollowCUT() throws {
        let cut = CycleGANOptions.cut(), fast = CycleGANOptions.cut(fast: true)
        #expect(cut.method == .cut && cut.lambdaNCE == 1 && fast.method == .fastCUT && fast.lambdaNCE == 10)
        #expect(cut.ncePatches == 256 && cut.nceUnits == 256 && cut.nceTemperature == 0.07 && cut.patchNCELayers == [0, 4, 7, 10, 14])
        var six = cut; six.resnetBlocks = 2
        #expect(six.patchNCELayers == [0, 4, 7, 10])
        six.nceLayers = [0, 20]
        #expect(six.problem?.contains("nceLayers") == true)
        // CycleGAN options encode as before (no method keys); CUT options round-trip.
        let plain = String(decoding: try JSONEncoder().encode(CycleGANOptions()), as: UTF8.self)
        #expect(!plain.contains("method") && !plain.contains("NCE"))
        let decoded = try JSONDecoder().decode(CycleGANOptions.self, from: JSONEncoder().encode(tinyCUTOptions(fast: true)))
        #expect(decoded == tinyCUTOptions(fast: true))
    }

    @Test func headsCarryCUTsNames() {
        let model = CUTModel(options: tinyCUTOptions(), seed: 1)
        let names = model.heads.stateDict().names.sorted()
        #expect(names.first == "mlp_0.0.bias" && names.contains("mlp_3.2.weight") && names.count == 16)
        #expect(model.heads.heads[0].layers.count == 3)
        // Layer widths: padded input 3, first downsampling 2·ngf, then 4·ngf.
        #expect(model.heads.stateDict()["mlp_0.0.weight"]?.shape == [8, 3] && model.heads.stateDict()["mlp_1.0.weight"]?.shape == [8, 8])
        #expect(model.heads.stateDict()["mlp_3.0.weight"]?.shape == [8, 16])
    }

    @Test(arguments: [false, true]) func resumeContinuesExactly(fast: Bool) throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        // 4 steps cross the epoch boundary (3 items per epoch, so the learning rate changes).
        let straight = CUTTrainer(model: CUTModel(options: tinyCUTOptions(fast: fast), seed: 1), data: data, settings: quietSettings(root + "/straight"))
        #expect(try straight.run(maxSteps: 4) == .stepLimit)

        let first = CUTTrainer(model: CUTModel(options: tinyCUTOptions(fast: fast), seed: 1), data: data, settings: quietSettings(root + "/split"))
        try first.run(maxSteps: 2)
        try first.saveCheckpoint()
        let second = try CUTTrainer(resuming: quietSettings(root + "/split"), data: data)
        #expect(second.step == 2 && second.index == 2)
        try second.run(maxSteps: 2)

        #expect(second.step == 4 && second.epoch == 1 && second.index == 1)
        for (x, y) in zip(straight.model.networks, second.model.networks) {
            #expect(x.module.stateDict() == y.module.stateDict(), "\(x.name) differs after resume")
        }
        #expect(straight.model.generatorOptimizer.firstMoments == second.model.generatorOptimizer.firstMoments)
        #expect(straight.model.generatorOptimizer.secondMoments == second.model.generatorOptimizer.secondMoments)
        #expect(straight.model.discriminatorOptimizer.secondMoments == second.model.discriminatorOptimizer.secondMoments)
        #expect(straight.model.sampler == second.model.sampler)
        // The heads trained: they moved from their initial values.
        #expect(straight.model.heads.stateDict() != CUTModel(options: tinyCUTOptions(fast: fast), seed: 1).heads.stateDict())
        let straightLog = try String(contentsOfFile: root + "/straight/loss_log.csv", encoding: .utf8)
        let log = try String(contentsOfFile: root + "/split/loss_log.csv", encoding: .utf8)
        #expect(log.hasPrefix("step,epoch,seconds,lr,G_GAN,D,NCE,NCE_Y\n"))
        // The losses of the four steps agree too (the seconds column aside).
        func losses(_ text: String) -> [String] {
            text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").enumerated().filter { $0.offset != 2 }.map(\.element).joined(separator: ",") }
        }
        #expect(losses(log) == losses(straightLog) && losses(log).count == 4)
        let nceY = straightLog.split(separator: "\n").dropFirst().map { Float($0.split(separator: ",")[7])! }
        #expect(fast ? nceY.allSatisfy { $0 == 0 } : nceY.allSatisfy { $0 > 0 })

        let (state, folder) = try CycleGANCheckpoint.latestState(runFolder: root + "/split")
        #expect(state.samplerState != nil && state.poolGeneratorStates.isEmpty && state.options.method == (fast ? .fastCUT : .cut))
        for file in ["G_A", "D_A", "F", "optimizer_G", "optimizer_D"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(file).safetensors"), "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/G_B.safetensors"))
        // A CycleGAN loader refuses a CUT checkpoint by name, and the other way round.
        #expect(throws: TranslationCheckpointError.self) { try CycleGANModel.loadLatest(runFolder: root + "/split") }
        #expect(throws: TranslationCheckpointError.self) { try CycleGANTrainer(resuming: quietSettings(root + "/split"), data: data) }
    }

    @Test func sampleGridAndRollbackWork() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        var settings = quietSettings(root + "/run")
        settings.onNonFinite = .rollback
        let trainer = CUTTrainer(model: CUTModel(options: tinyCUTOptions(), seed: 2), data: data, settings: settings)
        // Step 2 gets a NaN weight: the run rolls back to the checkpoint it made first and passes over that item.
        trainer.beforeStep = { step, model in
            if step == 2 && trainer.rollbacks == 0 { model.generator.parameters()[0].value.scalars[0] = .nan }
        }
        #expect(try trainer.run(maxSteps: 3) == .stepLimit)
        #expect(trainer.rollbacks == 1 && trainer.skippedItems.count == 1 && trainer.nonFiniteState() == nil)
        let visuals = trainer.model.trainStepWithVisuals(realA: randomBatch(1), realB: randomBatch(2)).visuals
        let grid = try CUTModel.sampleGrid(visuals)
        #expect(grid.width == 2 * 32 + 2 && grid.height == 2 * 32 + 2)
    }

    @Test func oneDirectionModelFolder() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = CUTModel(options: tinyCUTOptions(), seed: 1)
        try TranslationModel.export(model, manifest: TranslationManifest(name: "c2d", domainA: "cats", domainB: "dogs", options: model.options),
                                    to: root + "/c2d")
        #expect(FileManager.default.fileExists(atPath: root + "/c2d/G_A.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: root + "/c2d/G_B.safetensors"))
        let loaded = try TranslationModel(folder: root + "/c2d")
        #expect(!loaded.translatesBothWays && loaded.generatorNames == ["G_A"] && loaded.directionDescription == "cats -> dogs")
        #expect(loaded.generatorName(to: "Dogs") == "G_A" && loaded.generatorName(to: "cats") == nil)
        #expect(try loaded.loadGenerator("G_A").stateDict() == model.generator.stateDict())
        do {
            _ = try loaded.loadGenerator("G_B")
            Issue.record("G_B of a one-direction model loaded")
        } catch {
            #expect("\(error)".contains("only translates cats to dogs"))
        }
        // The generator runs on any size through the Translator.
        let out = Translator(generator: try loaded.loadGenerator("G_A")).translate(randomBatch(3, size: 20))
        #expect(out.shape == [1, 3, 20, 20])
    }
}

/// PatchSampleF + PatchNCE against PyTorch (Fixtures/patchnce/patchnce.json, made by tools/make_patchnce_fixture.py
/// from CUT's PatchSampleF and PatchNCELoss in float64).
@Suite struct PatchNCEParityTests {
    @Test func lossAndGradientMatchPyTorch() throws {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        let path = parts.joined(separator: "/") + "/Fixtures/patchnce/patchnce.json"
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        func floats(_ key: String) throws -> [Float] { try #require(object[key] as? [Double], "\(key)").map(Float.init) }
        func int(_ key: String) throws -> Int { try #require(object[key] as? Int, "\(key)") }
        let (b, c, h, w, units) = (try int("batch"), try int("channels"), try int("height"), try int("width"), try int("units"))
        let locations = try #require(object["locations"] as? [Int])
        var rng = SeededGenerator(seed: 0)
        let heads = PatchSampleF(channels: [c], units: units, using: &rng)
        try heads.load(StateDict([
            ("mlp_0.0.weight", TensorData(shape: [units, c], values: try floats("mlp_0.0.weight"))),
            ("mlp_0.0.bias", TensorData(shape: [units], values: try floats("mlp_0.0.bias"))),
            ("mlp_0.2.weight", TensorData(shape: [units, units], values: try floats("mlp_0.2.weight"))),
            ("mlp_0.2.bias", TensorData(shape: [units], values: try floats("mlp_0.2.bias"))),
        ]))
        let featK = Variable(Tensor(shape: [b, c, h, w], scalars: try floats("featK")))
        let featQ = Variable(Tensor(shape: [b, c, h, w], scalars: try floats("featQ")), requiresGrad: true)
        let keys = withNoGrad { heads.sample(featK, layer: 0, locations: locations).value }
        let loss = patchNCELoss(query: heads.sample(featQ, layer: 0, locations: locations), keys: keys, batch: b,
                                temperature: Float(try #require(object["temperature"] as? Double)))
        loss.backward()
        let expected = try #require(object["loss"] as? Double)
        #expect(abs(Double(loss.value.scalar) - expected) <= 1e-4 * expected, "\(loss.value.scalar) vs \(expected)")
        let reference = try floats("gradFeatQ"), grad = try #require(featQ.grad).scalars
        let largest = reference.map(abs).max()!
        let worst = zip(grad, reference).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * largest, "gradient differs by \(worst) (largest \(largest))")
    }
}
