import Foundation
import Testing
import GANCore
import GANTraining
@testable import GANTranslation

/// Tiny U-GAT-IT settings on 32×32: ngf 4, one plain and one AdaLIN block, discriminators of 5 and 3 levels.
func tinyUGATITOptions() -> CycleGANOptions {
    var o = CycleGANOptions.ugatit()
    o.ngf = 4; o.ndf = 4; o.resnetBlocks = 1; o.discriminatorLayers = 1
    o.constantEpochs = 1; o.decayEpochs = 1
    return o
}

/// U-GAT-IT's networks against PyTorch (Fixtures/ugatit, written by tools/make_ugatit_fixture.py in float64), and
/// its training: losses, resume, checkpoint and model folder.
@Suite(.serialized) struct UGATITTests {
    /// The fixture `name`'s tensors.
    static func fixture(_ name: String) throws -> StateDict {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        return try SafeTensors.read(contentsOf: parts.joined(separator: "/") + "/Fixtures/ugatit/\(name).safetensors").tensors
    }

    /// Loads the fixture's parameters into `module`, runs `forward` on its input (training mode), back-propagates
    /// its upstream gradients and compares outputs and gradients (max |ours − ref| ≤ 1e-4 · max |ref| per tensor).
    static func check(_ name: String, _ module: Module, outputs: [String], _ forward: (Variable) -> [Variable]) throws {
        let f = try fixture(name)
        func tensor(_ key: String) throws -> Tensor {
            let t = try #require(f[key], "\(name) lacks \(key)")
            return Tensor(shape: t.shape, scalars: t.values)
        }
        try module.load(StateDict(f.names.filter { $0.hasPrefix("param.") }.map { (String($0.dropFirst(6)), f[$0]!) }))
        module.train()
        let input = Variable(try tensor("input"), requiresGrad: true)
        let results = forward(input)
        var loss: Variable?
        for (key, out) in zip(outputs, results) {
            let term = sum(out * Variable(try tensor("grad_output." + key)))
            loss = loss.map { $0 + term } ?? term
        }
        loss!.backward()
        func compare(_ label: String, _ ours: Tensor?, _ reference: Tensor) {
            guard let ours, ours.shape == reference.shape else { Issue.record("\(name) \(label): shape \(ours?.shape ?? []) vs \(reference.shape)"); return }
            let largest = reference.scalars.map(abs).max() ?? 0
            let worst = zip(ours.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * max(largest, 1e-6), "\(name) \(label) differs by \(worst) (largest \(largest))")
        }
        for (key, out) in zip(outputs, results) { compare("output." + key, out.value, try tensor("output." + key)) }
        compare("grad.input", input.grad, try tensor("grad.input"))
        var checked = 0
        for (pname, p) in module.namedParameters() {
            compare("grad." + pname, p.grad, try tensor("grad." + pname))
            checked += 1
        }
        #expect(checked == f.names.filter { $0.hasPrefix("grad.") }.count - 1, "every parameter's gradient is in the fixture")
    }

    @Test func generatorMatchesPyTorch() throws {
        var rng = SeededGenerator(seed: 0)
        let g = UGATITGenerator(ngf: 4, blocks: 1, using: &rng)
        try Self.check("generator", g, outputs: ["image", "cam"]) { x in
            let (image, cam) = g.translate(x)
            return [image, reshape(cam, to: [2, 2])]
        }
    }

    @Test func discriminatorMatchesPyTorch() throws {
        var rng = SeededGenerator(seed: 0)
        let d = UGATITDiscriminator(ndf: 4, layers: 5, using: &rng)
        try Self.check("discriminator", d, outputs: ["patches", "cam"]) { x in
            let (patches, cam) = d.judge(x)
            return [patches, reshape(cam, to: [2, 2])]
        }
    }

    @Test func networksCarryUGATITNames() {
        var rng = SeededGenerator(seed: 0)
        let names = Set(UGATITGenerator(ngf: 4, blocks: 2, using: &rng).stateDict().names)
        for name in ["DownBlock.1.weight", "DownBlock.13.conv_block.5.weight", "gap_fc.weight", "conv1x1.bias", "FC.2.weight",
                     "gamma.weight", "UpBlock1_2.norm2.rho", "UpBlock2.3.gamma", "UpBlock2.11.weight"] {
            #expect(names.contains(name), "\(name)")
        }
        let d = Set(UGATITDiscriminator(ndf: 4, layers: 7, using: &rng).stateDict().names)
        #expect(d.contains("model.16.weight_orig") && d.contains("gap_fc.weight_u") && d.contains("conv.weight_v") && !d.contains("model.19.bias"))
    }

    @Test func resumeContinuesExactlyAndMixesStayInRange() throws {
        let (root, a, b) = try makeDomains()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let data = try UnpairedImageFolder(pathsA: a, pathsB: b, preprocessing: .resizeAndCrop(loadSize: 36, cropSize: 32), seed: 5)
        let straight = UGATITTrainer(model: UGATITModel(options: tinyUGATITOptions(), seed: 1), data: data, settings: quietSettings(root + "/straight"))
        #expect(try straight.run(maxSteps: 4) == .stepLimit)
        let first = UGATITTrainer(model: UGATITModel(options: tinyUGATITOptions(), seed: 1), data: data, settings: quietSettings(root + "/split"))
        try first.run(maxSteps: 2)
        try first.saveCheckpoint()
        let second = try UGATITTrainer(resuming: quietSettings(root + "/split"), data: data)
        try second.run(maxSteps: 2)
        #expect(second.step == 4)
        for (x, y) in zip(straight.model.networks, second.model.networks) {
            #expect(x.module.stateDict() == y.module.stateDict(), "\(x.name) differs after resume")
        }
        #expect(straight.model.discriminatorOptimizer.secondMoments == second.model.discriminatorOptimizer.secondMoments)
        let log = try String(contentsOfFile: root + "/split/loss_log.csv", encoding: .utf8)
        #expect(log.hasPrefix("step,epoch,seconds,lr,G_A,G_B,cycle_A,cycle_B,idt_A,idt_B,cam_A,cam_B,D_A,D_B\n"))
        let rows = log.split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropFirst(4).compactMap { Float($0) } }
        #expect(rows.count == 4 && rows.allSatisfy { $0.count == 10 && $0.allSatisfy { $0.isFinite && $0 >= 0 } })
        let defaults = CycleGANOptions.ugatit()
        #expect(defaults.learningRate == 1e-4 && defaults.lambdaIdentity == 1 && defaults.poolSize == 0 && defaults.lambdaCAM == 1000)
        // Every mix is in [0, 1], and training moved some of them.
        let rhos = straight.model.generatorA.namedParameters().filter { $0.name.hasSuffix(".rho") }.flatMap(\.parameter.value.scalars)
        #expect(!rhos.isEmpty && rhos.allSatisfy { (0...1).contains($0) })
        let initial = UGATITModel(options: tinyUGATITOptions(), seed: 1).generatorA.namedParameters().filter { $0.name.hasSuffix(".rho") }
        #expect(initial.flatMap(\.parameter.value.scalars) != rhos)

        let (state, folder) = try CycleGANCheckpoint.latestState(runFolder: root + "/split")
        #expect(state.options.method == .ugatit && state.poolGeneratorStates.isEmpty)
        for file in ["G_A", "G_B", "D_A", "D_A_local", "D_B", "D_B_local", "optimizer_G", "optimizer_D"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(file).safetensors"), "\(file)")
        }
        #expect(throws: TranslationCheckpointError.self) { try CycleGANTrainer(resuming: quietSettings(root + "/split"), data: data) }
        #expect(throws: TranslationCheckpointError.self) { try UGATITTrainer(resuming: quietSettings(root + "/straight-none"), data: data) }
    }

    @Test func theGeneratorsLearnToTellTheirSourceDomain() {
        // Domain A horizontal stripes, domain B vertical ones (instance norm hides brightness, not structure): each
        // generator's CAM classifier should soon call its source domain 1. (At U-GAT-IT's 1e-4 no weight moves more than
        // 0.006 in 60 Adam steps, so the check takes a larger rate.)
        var rng = SeededGenerator(seed: 9)
        var options = tinyUGATITOptions()
        options.learningRate = 3e-3
        let model = UGATITModel(options: options, seed: 2)
        func stripes(vertical: Bool) -> Tensor {
            let phase = Int(rng.next() % 4)
            let noise = Tensor.randomUniform([1, 3, 32, 32], low: -0.2, high: 0.2, using: &rng)
            return Tensor(shape: [1, 3, 32, 32], scalars: (0..<(3 * 32 * 32)).map { i in
                let (y, x) = ((i / 32) % 32, i % 32)
                return ((vertical ? x : y) + phase) % 4 < 2 ? 0.7 + noise.scalars[i] : -0.7 + noise.scalars[i]
            })
        }
        var first: Float = 0, last: Float = 0
        for step in 0..<60 {
            let a = stripes(vertical: false), b = stripes(vertical: true)
            let losses = model.trainStep(realA: a, realB: b)
            if step < 5 { first += losses.camA + losses.camB }
            if step >= 55 { last += losses.camA + losses.camB }
        }
        #expect(last < 0.5 * first, "CAM losses of the first and last 5 steps: \(first), \(last)")
    }

    @Test func modelFolderTranslatesBothWaysAtAnySize() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let model = UGATITModel(options: tinyUGATITOptions(), seed: 3)
        try TranslationModel.export(model, manifest: TranslationManifest(name: "c2d", domainA: "cats", domainB: "dogs", options: model.options),
                                    to: root + "/c2d")
        let loaded = try TranslationModel(folder: root + "/c2d")
        #expect(loaded.translatesBothWays && loaded.generatorNames == ["G_A", "G_B"] && loaded.manifest.options.method == .ugatit)
        let g = try loaded.loadGenerator("G_B")
        #expect(g is UGATITGenerator && g.stateDict() == model.generatorB.stateDict())
        let out = Translator(generator: g).translate(randomBatch(3, size: 20))
        #expect(out.shape == [1, 3, 20, 20] && out.scalars.allSatisfy { $0.isFinite && abs($0) <= 1 })
        // The options round-trip with U-GAT-IT's keys; CycleGAN's manifests keep theirs.
        let json = String(decoding: try JSONEncoder().encode(model.options), as: UTF8.self)
        #expect(json.contains("\"method\":\"ugatit\"") && json.contains("lambdaCAM") && !json.contains("NCE"))
        #expect(try JSONDecoder().decode(CycleGANOptions.self, from: Data(json.utf8)) == model.options)
        #expect(!String(decoding: try JSONEncoder().encode(CycleGANOptions()), as: UTF8.self).contains("lambdaCAM"))
    }
}
