import GANTraining
import Foundation
import GANCore
import GANImageIO
import Testing
@testable import GANConditional

/// pix2pix: pair builders, the trainer (losses, L1-only, exact resume), the model folder and any-size inference.
struct Pix2PixTests {
    /// A folder of `count` synthetic `width`×`height` RGB photos (gradients and a square), removed with `remove()`.
    static func photoFolder(count: Int = 3, width: Int = 40, height: Int = 36, sideBySide: Bool = false) throws -> String {
        let path = NSTemporaryDirectory() + "gankit-pix2pix-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for k in 0..<count {
            var samples = [UInt16]()
            for y in 0..<height {
                for x in 0..<width {
                    let inSquare = (8...20).contains(x % (width / (sideBySide ? 2 : 1))) && (8...20).contains(y)
                    samples += [UInt16((x * 6 + k * 40) % 256), UInt16((y * 7) % 256), inSquare ? 250 : UInt16(30 * k % 256)]
                }
            }
            try Image(width: width, height: height, layout: .rgb, samples: samples).write(to: "\(path)/photo\(k).png")
        }
        return path
    }

    static let tiny = Pix2PixConfiguration(inputChannels: 1, outputChannels: 3, ngf: 4, ndf: 4, depth: 5, discriminatorLayers: 2,
                                           imageSize: 32)

    @Test func sideBySideSplitsIntoHalves() throws {
        var samples = [UInt16]()
        for _ in 0..<3 { for x in 0..<8 { samples += x < 4 ? [200, 0, 0] : [0, 0, 200] } }
        let (a, b) = try PairBuilder.splitSideBySide(try Image(width: 8, height: 3, layout: .rgb, samples: samples))
        #expect(a.width == 4 && b.width == 4 && a.height == 3)
        #expect(a[x: 3, y: 2, channel: 0] == 200 && a[x: 0, y: 0, channel: 2] == 0)
        #expect(b[x: 0, y: 0, channel: 2] == 200 && b[x: 3, y: 1, channel: 0] == 0)
        #expect(throws: PairedDataError.notSideBySide(path: "<memory>", width: 7, height: 3)) {
            try PairBuilder.splitSideBySide(try Image(width: 7, height: 3, layout: .rgb, filledWith: 0))
        }
    }

    @Test func colorizeAndEdgePairs() throws {
        let photo = try Image(width: 2, height: 1, layout: .rgb, samples: [255, 0, 0, 10, 200, 30])
        let (gray, color) = PairBuilder.colorize(photo)
        #expect(gray.layout == .gray && color == photo)
        #expect(gray[x: 0, y: 0, channel: 0] == 76 && gray[x: 1, y: 0, channel: 0] == 124)   // BT.601 luma, rounded
        let folder = try Self.photoFolder(count: 1)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try PairedImageFolder(directory: folder, task: .edges)
        let (edges, target) = try data.images(at: 0)
        #expect(edges.layout == .gray && target.layout == .rgb && edges.width == 40)
        #expect(Set(edges.samples).isSubset(of: [0, 255]) && edges.samples.contains(0))
        var random = SeededGenerator(seed: 3)
        let (x, y) = try data.pair(at: 0, size: 32, jitter: true, random: &random)
        #expect(x.shape == [1, 1, 32, 32] && y.shape == [1, 3, 32, 32])
        var again = SeededGenerator(seed: 3)
        #expect(try data.pair(at: 0, size: 32, jitter: true, random: &again).input == x)
    }

    @Test func sideBySideFolderGivesThreeChannelPairs() throws {
        let folder = try Self.photoFolder(count: 2, width: 64, height: 32, sideBySide: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var data = try PairedImageFolder(directory: folder, task: .pairs)
        var random = SeededGenerator(seed: 0)
        let (a, b) = try data.pair(at: 1, size: 32, jitter: false, random: &random)
        #expect(a.shape == [1, 3, 32, 32] && b.shape == [1, 3, 32, 32])
        data.reversed = true
        let (b2, a2) = try data.pair(at: 1, size: 32, jitter: false, random: &random)
        #expect(a2 == a && b2 == b)
        #expect(throws: PairedDataError.self) { try PairedImageFolder(directory: folder + "/none", task: .pairs) }
    }

    @Test func everyLossTrainsAndL1OnlyLeavesDiscriminatorAlone() throws {
        let folder = try Self.photoFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try PairedImageFolder(directory: folder, task: .colorize)
        for loss in ConditionalLoss.allCases {
            let trainer = Pix2PixTrainer(configuration: Self.tiny, options: Pix2PixOptions(loss: loss, seed: 1))
            let losses = try trainer.trainStep(on: data)
            #expect(losses.isFinite && losses.generatorL1 > 0 && losses.discriminatorReal > 0, "\(loss)")
        }
        let l1Only = Pix2PixTrainer(configuration: Self.tiny, options: Pix2PixOptions(ganWeight: 0, seed: 1))
        let before = l1Only.discriminator.stateDict()
        let first = try l1Only.trainStep(on: data)
        let second = try l1Only.trainStep(on: data)
        #expect(first.generatorGAN == 0 && first.discriminatorReal == 0 && second.generatorL1 > 0)
        #expect(l1Only.discriminator.stateDict() == before)
        #expect(Pix2PixOptions(ganWeight: 0, l1Weight: 0).problem != nil)
        #expect(Pix2PixConfiguration(depth: 5, imageSize: 48).problem != nil)
        #expect(Pix2PixConfiguration.depth(forImageSize: 64) == 6 && Pix2PixConfiguration.depth(forImageSize: 256) == 8)
    }

    @Test func resumeIsExact() throws {
        let folder = try Self.photoFolder()
        let run = NSTemporaryDirectory() + "gankit-pix2pix-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder); try? FileManager.default.removeItem(atPath: run) }
        let data = try PairedImageFolder(directory: folder, task: .colorize)
        let options = Pix2PixOptions(batchSize: 2, seed: 7)
        let straight = Pix2PixTrainer(configuration: Self.tiny, options: options)
        let straightLosses = try (0..<4).map { _ in try straight.trainStep(on: data) }

        let first = Pix2PixTrainer(configuration: Self.tiny, options: options)
        var losses = try (0..<2).map { _ in try first.trainStep(on: data) }
        try first.saveCheckpoint(to: run, task: .colorize, dataset: folder)
        #expect(try Pix2PixTrainer.readState(from: run).step == 2)
        let (resumed, state) = try Pix2PixTrainer.resume(from: run)
        #expect(state.task == .colorize && resumed.step == 2)
        losses += try (0..<2).map { _ in try resumed.trainStep(on: data) }
        #expect(losses == straightLosses)
        #expect(resumed.generator.stateDict() == straight.generator.stateDict())
        #expect(resumed.discriminator.stateDict() == straight.discriminator.stateDict())
        // The next save replaces the step-2 files.
        try resumed.saveCheckpoint(to: run, task: .colorize)
        let files = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasSuffix(".safetensors") }.sorted()
        #expect(files == ["discriminator-00000004.safetensors", "generator-00000004.safetensors", "optimizers-00000004.safetensors"])
    }

    @Test func modelFolderTranslatesAnySize() throws {
        let folder = NSTemporaryDirectory() + "gankit-pix2pix-model-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = Pix2PixTrainer(configuration: Self.tiny, options: Pix2PixOptions())
        try Pix2PixModel.write(trainer, task: .colorize, name: "tiny", dataset: nil, to: folder + "/tiny")
        let model = try Pix2PixModel(folder: folder + "/tiny")
        #expect(model.manifest.task == .colorize && model.manifest.kind == "pix2pix" && model.manifest.trainingSteps == 0)
        let translator = Pix2PixTranslator(model: model, tileSize: 64, overlap: 16)
        for (w, h) in [(37, 23), (5, 3), (32, 32), (100, 70)] {
            let photo = try Image(width: w, height: h, layout: .rgba, samples: (0..<(w * h * 4)).map { UInt16($0 % 256) })
            let out = try translator.translate(photo)
            #expect(out.width == w && out.height == h && out.layout == .rgba, "\(w)x\(h)")
            #expect(try translator.translate(photo) == out)
        }
        // The padded network input equals the whole-image output for a piece that needs no tiling.
        var random = SeededGenerator(seed: 42)
        let x = Tensor.randomUniform([1, 1, 32, 32], low: -1, high: 1, using: &random)
        translator.keepsInputLuminance = false
        #expect(translator.translate(tensor: x) == trainer.translate(x))
        // A colorizer keeps the input's luminance by default: BT.601 luma of the output = the gray input, the
        // chroma (R − Y, B − Y) of the network's output kept, wherever no channel was clamped.
        translator.keepsInputLuminance = true
        let raw = trainer.translate(x), kept = translator.translate(tensor: x)
        var worstLuma: Float = 0, worstChroma: Float = 0, unclamped = 0
        for p in 0..<(32 * 32) {
            let (r, g, b) = (kept.scalars[p], kept.scalars[1024 + p], kept.scalars[2048 + p])
            guard [r, g, b].allSatisfy({ abs($0) < 1 }) else { continue }
            unclamped += 1
            let y = 0.299 * r + 0.587 * g + 0.114 * b, y0 = 0.299 * raw.scalars[p] + 0.587 * raw.scalars[1024 + p] + 0.114 * raw.scalars[2048 + p]
            worstLuma = max(worstLuma, abs(y - x.scalars[p]))
            worstChroma = max(worstChroma, abs((r - y) - (raw.scalars[p] - y0)), abs((b - y) - (raw.scalars[2048 + p] - y0)))
        }
        #expect(unclamped > 700, "pixels compared: \(unclamped)")
        #expect(worstLuma < 1e-5 && worstChroma < 1e-5)
        #expect(throws: TrainingFolderError.self) { try Pix2PixModel(folder: folder) }
    }

    @Test func generatorStartsFromAModel() throws {
        let folder = NSTemporaryDirectory() + "gankit-pix2pix-init-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let photos = try Self.photoFolder()
        defer { try? FileManager.default.removeItem(atPath: photos) }
        var l1 = Pix2PixOptions()
        l1.ganWeight = 0
        let baseline = Pix2PixTrainer(configuration: Self.tiny, options: l1)
        let data = try PairedImageFolder(directory: photos, task: .colorize)
        for _ in 0..<2 { _ = try baseline.trainStep(on: data) }
        try Pix2PixModel.write(baseline, task: .colorize, name: "base", dataset: nil, to: folder + "/base")
        let model = try Pix2PixModel(folder: folder + "/base")
        let tuned = Pix2PixTrainer(configuration: Self.tiny, options: Pix2PixOptions())
        #expect(tuned.generator.stateDict() != baseline.generator.stateDict())
        try tuned.initializeGenerator(from: model)
        #expect(tuned.generator.stateDict() == baseline.generator.stateDict() && tuned.initializedFrom == "base, 2 steps")
        _ = try tuned.trainStep(on: data)
        try tuned.saveCheckpoint(to: folder + "/run", task: .colorize, dataset: nil)
        #expect(try Pix2PixTrainer.resume(from: folder + "/run").0.initializedFrom == "base, 2 steps")
        try Pix2PixModel.write(tuned, task: .colorize, name: "tuned", dataset: nil, to: folder + "/tuned")
        #expect(try Pix2PixModel.readManifest(folder: folder + "/tuned").initializedFrom == "base, 2 steps")
        #expect(throws: TrainingFolderError.self) { try tuned.initializeGenerator(from: model) }   // after the first step
        var wider = Self.tiny
        wider.ngf = 8
        #expect(throws: TrainingFolderError.self) { try Pix2PixTrainer(configuration: wider, options: Pix2PixOptions()).initializeGenerator(from: model) }
    }
}
