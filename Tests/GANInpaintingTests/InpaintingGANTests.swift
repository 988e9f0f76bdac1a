import GANTraining
import Foundation
import GANCore
import GANImageIO
import Testing
@testable import GANInpainting

/// The inpainting GAN: network shapes, the trainer (losses, L1-only, exact resume), the model folder and any-size
/// inference with known pixels untouched.
struct InpaintingGANTests {
    /// A folder of `count` synthetic `width`×`height` RGB photos (gradients and a square), removed by the caller.
    static func photoFolder(count: Int = 3, width: Int = 22, height: Int = 27) throws -> String {
        let path = NSTemporaryDirectory() + "gankit-inpaint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for k in 0..<count {
            var samples = [UInt16]()
            for y in 0..<height {
                for x in 0..<width {
                    let inSquare = (5...12).contains(x) && (6...14).contains(y)
                    samples += [UInt16((x * 9 + k * 40) % 256), UInt16((y * 7) % 256), inSquare ? 250 : UInt16(30 * k % 256)]
                }
            }
            try Image(width: width, height: height, layout: .rgb, samples: samples).write(to: "\(path)/photo\(k).png")
        }
        return path
    }

    static let tiny = InpaintingConfiguration(cnum: 4, ndf: 4, discriminatorLayers: 3, imageSize: 16)

    static var tinyOptions: InpaintingOptions {
        var options = InpaintingOptions()
        options.batchSize = 2
        options.seed = 5
        options.learningRate = 1e-3
        return options
    }

    @Test func networkShapesAndNames() throws {
        var rng = SeededGenerator(seed: 1)
        let g = InpaintingGenerator(cnum: 4, using: &rng)
        let x = Tensor.randomNormal([2, 3, 12, 8], using: &rng)
        let m = Tensor(shape: [2, 1, 12, 8], scalars: (0..<192).map { $0 % 5 == 0 ? 1 : 0 })
        let input = InpaintingGenerator.input(image: x, mask: m)
        #expect(input.shape == [2, 5, 12, 8])
        #expect(input[0, 0, 0, 0] == 0 && input[0, 3, 0, 0] == 1 && input[1, 4, 5, 5] == 1)  // hole zeroed, mask, ones
        let y = withNoGrad { g(Variable(input)) }.value
        #expect(y.shape == [2, 3, 12, 8] && y.scalars.allSatisfy { abs($0) <= 1 })
        let names = g.namedParameters().map(\.name)
        #expect(names.first == "model.0.conv.weight" && names.last == "model.18.bias")
        let weights = g.namedParameters().filter { $0.name.hasSuffix("weight") }.reduce(0) { $0 + $1.parameter.value.count }
        #expect(weights == tinyWeightCount(cnum: 4))
        #expect(InpaintingConfiguration(cnum: 4).generatorParameterLowerBound == weights)
        let d = InpaintingDiscriminator(ndf: 4, layers: 3, using: &rng)
        #expect(d.namedState().map(\.name).contains("model.0.weight_orig"))
        #expect(withNoGrad { d(Variable(Tensor.zeros([1, 4, 16, 16]))) }.shape == [1, 16, 2, 2])
    }

    /// The generator's kernel weights counted from the layer list of the doc comment.
    func tinyWeightCount(cnum c: Int) -> Int {
        let gated: [(Int, Int, Int)] = [(5, 5, c), (3, c, 2 * c), (3, 2 * c, 2 * c), (3, 2 * c, 4 * c)] + Array(repeating: (3, 4 * c, 4 * c), count: 8)
            + [(3, 4 * c, 2 * c), (3, 2 * c, 2 * c), (3, 2 * c, c), (3, c, c / 2)]
        return gated.reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.2 * 2 } + 9 * (c / 2) * 3
    }

    @Test func compositeKeepsKnownPixels() {
        let image = Tensor(shape: [1, 3, 1, 2], scalars: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        let raw = Tensor(shape: [1, 3, 1, 2], scalars: [9, 9, 9, 9, 9, 9])
        let out = InpaintingModel.composite(raw, over: image, mask: Tensor(shape: [1, 1, 1, 2], scalars: [0, 1]))
        #expect(out.scalars == [0.1, 9, 0.3, 9, 0.5, 9])
    }

    @Test func trainingMasksSpanTheHoleRange() throws {
        let trainer = InpaintingTrainer(configuration: InpaintingConfiguration(cnum: 4, ndf: 4, discriminatorLayers: 3, imageSize: 64),
                                        options: Self.tinyOptions)
        let ratios = try (0..<12).map { seed in
            let m = try trainer.mask(seed: UInt64(seed)).scalars
            return Double(m.reduce(0, +)) / Double(m.count)
        }
        #expect(ratios.allSatisfy { (0.05...0.6).contains($0) })
        #expect(ratios.min()! < 0.15 && ratios.max()! > 0.5, "\(ratios)")
        #expect(try trainer.mask(seed: 3).scalars == trainer.mask(seed: 3).scalars)
    }

    @Test func configurationProblems() {
        #expect(Self.tiny.problem == nil && InpaintingConfiguration().problem == nil)
        #expect(InpaintingConfiguration(cnum: 5).problem != nil)
        #expect(InpaintingConfiguration(imageSize: 130).problem != nil)
        var options = InpaintingOptions()
        options.minHoleRatio = 0.7
        #expect(options.problem != nil)
    }

    @Test func trainsResumesExactlyAndInpaintsAnySize() throws {
        let photos = try Self.photoFolder()
        let run = NSTemporaryDirectory() + "gankit-inpaint-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: photos); try? FileManager.default.removeItem(atPath: run) }
        let data = try InpaintingImageFolder(directory: photos)
        #expect(data.count == 3)

        let straight = InpaintingTrainer(configuration: Self.tiny, options: Self.tinyOptions)
        var losses: [InpaintingLosses] = []
        for _ in 0..<4 { losses.append(try straight.trainStep(on: data)) }
        #expect(losses.allSatisfy(\.isFinite) && losses.last!.step == 4)
        #expect(losses.allSatisfy { $0.discriminatorReal > 0 && $0.holeL1 > 0 && $0.validL1 > 0 })

        let first = InpaintingTrainer(configuration: Self.tiny, options: Self.tinyOptions)
        for _ in 0..<2 { try first.trainStep(on: data) }
        try first.saveCheckpoint(to: run, dataset: photos)
        let (resumed, state) = try InpaintingTrainer.resume(from: run)
        #expect(state.step == 2 && resumed.step == 2 && state.configuration == Self.tiny)
        for _ in 0..<2 { try resumed.trainStep(on: data) }
        #expect(resumed.lastLosses == losses.last)
        for ((name, a), (_, b)) in zip(straight.generator.namedState(), resumed.generator.namedState()) {
            #expect(a.value.scalars == b.value.scalars, "G.\(name) differs after resume")
        }
        for ((name, a), (_, b)) in zip(straight.discriminator.namedState(), resumed.discriminator.namedState()) {
            #expect(a.value.scalars == b.value.scalars, "D.\(name) differs after resume")
        }

        // The checkpoint folder loads as a model, and so does the model folder written from the trainer.
        try resumed.saveCheckpoint(to: run)
        try InpaintingModel.write(resumed, name: "tiny", dataset: photos, to: run + "/model")
        for folder in [run, run + "/model"] {
            let model = try InpaintingModel(folder: folder)
            #expect(model.manifest.trainingSteps == 4 && model.manifest.configuration == Self.tiny)
            // 23×19: not a multiple of 4; known pixels exact, hole pixels changed.
            var rng = SeededGenerator(seed: 9)
            let image = Tensor.randomUniform([1, 3, 19, 23], low: -1, high: 1, using: &rng)
            let holes = (0..<(19 * 23)).map { p in (6..<13).contains(p / 23) && (4..<15).contains(p % 23) }
            let mask = Tensor(shape: [1, 1, 19, 23], scalars: holes.map { $0 ? 1 : 0 })
            let out = try model.inpaint(image: image, mask: mask)
            #expect(out.shape == [1, 3, 19, 23])
            var changed = 0
            for c in 0..<3 { for p in 0..<(19 * 23) {
                let i = c * 19 * 23 + p
                if holes[p] { if out.scalars[i] != image.scalars[i] { changed += 1 } } else { #expect(out.scalars[i] == image.scalars[i]) }
            } }
            #expect(changed > 0)
            // 8-bit images: every known sample bit-identical.
            let photo = try Image(contentsOf: "\(photos)/photo1.png")
            let hole = try Mask(width: photo.width, height: photo.height, isHole: (0..<(photo.width * photo.height)).map { ($0 / photo.width) % 9 == 4 })
            let filled = try model.inpaint(photo, mask: hole)
            #expect(filled.width == 22 && filled.height == 27)
            for y in 0..<27 { for x in 0..<22 where !hole.isHole[y * 22 + x] {
                for c in 0..<3 { #expect(filled[x: x, y: y, channel: c] == photo[x: x, y: y, channel: c]) }
            } }
        }
        try resumed.writeSamples(of: data, to: [run + "/samples.png"])
        #expect(try Image(contentsOf: run + "/samples.png").width == 3 * 18 + 2)
    }

    @Test func l1OnlyLeavesTheDiscriminatorAlone() throws {
        let photos = try Self.photoFolder(count: 2)
        defer { try? FileManager.default.removeItem(atPath: photos) }
        var options = Self.tinyOptions
        options.ganWeight = 0
        let trainer = InpaintingTrainer(configuration: Self.tiny, options: options)
        let before = trainer.discriminator.namedParameters().map { $0.parameter.value.scalars }
        let losses = try trainer.trainStep(on: try InpaintingImageFolder(directory: photos))
        #expect(losses.generatorGAN == 0 && losses.discriminatorReal == 0)
        #expect(trainer.discriminator.namedParameters().map { $0.parameter.value.scalars } == before)
    }

    @Test func generatorStartsFromAModel() throws {
        let photos = try Self.photoFolder(count: 2)
        let folder = NSTemporaryDirectory() + "gankit-inpaint-init-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: photos); try? FileManager.default.removeItem(atPath: folder) }
        var l1 = Self.tinyOptions
        l1.ganWeight = 0
        let base = InpaintingTrainer(configuration: Self.tiny, options: l1)
        let data = try InpaintingImageFolder(directory: photos)
        for _ in 0..<2 { _ = try base.trainStep(on: data) }
        try InpaintingModel.write(base, name: "base", dataset: nil, to: folder + "/base")
        let tuned = InpaintingTrainer(configuration: Self.tiny, options: Self.tinyOptions)
        try tuned.initializeGenerator(from: try InpaintingModel(folder: folder + "/base"))
        #expect(tuned.generator.stateDict() == base.generator.stateDict() && tuned.initializedFrom == "base, 2 steps")
        _ = try tuned.trainStep(on: data)
        try tuned.saveCheckpoint(to: folder + "/run")
        #expect(try InpaintingTrainer.resume(from: folder + "/run").trainer.initializedFrom == "base, 2 steps")
        try InpaintingModel.write(tuned, name: "tuned", dataset: nil, to: folder + "/tuned")
        #expect(try InpaintingModel(folder: folder + "/tuned").manifest.initializedFrom == "base, 2 steps")
        #expect(throws: TrainingFolderError.self) { try tuned.initializeGenerator(from: try InpaintingModel(folder: folder + "/base")) }
    }

    @Test(arguments: GANObjective.allCases)
    func everyLossTrains(loss: GANObjective) throws {
        let photos = try Self.photoFolder(count: 2)
        defer { try? FileManager.default.removeItem(atPath: photos) }
        var options = Self.tinyOptions
        options.loss = loss
        let trainer = InpaintingTrainer(configuration: Self.tiny, options: options)
        let losses = try trainer.trainStep(on: try InpaintingImageFolder(directory: photos))
        #expect(losses.isFinite && losses.discriminatorReal > 0 && losses.discriminatorFake > 0, "\(loss): \(losses)")
        // Options saved before `loss` existed read back as hinge.
        var encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(options)) as! [String: Any]
        #expect(encoded["loss"] as? String == loss.rawValue)
        encoded.removeValue(forKey: "loss")
        let older = try JSONDecoder().decode(InpaintingOptions.self, from: JSONSerialization.data(withJSONObject: encoded))
        #expect(older.loss == .hinge && older.seed == options.seed && older.ganWeight == options.ganWeight)
    }

    @Test func refusesBadManifestsAndSmallWeightFiles() throws {
        let folder = NSTemporaryDirectory() + "gankit-inpaint-model-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = InpaintingTrainer(configuration: Self.tiny, options: Self.tinyOptions)
        try InpaintingModel.write(trainer, name: "tiny", dataset: nil, to: folder)
        var manifest = try InpaintingModel.readManifest(folder: folder)
        #expect(throws: TrainingFolderError.self) { try InpaintingModel.readManifest(bytes: Array("{}".utf8)) }
        manifest.format = "gankit-inpaint/9"
        #expect(throws: TrainingFolderError.self) { try InpaintingModel.readManifest(bytes: Array(try JSONEncoder().encode(manifest))) }
        // A manifest describing a far larger network than the file holds is refused before the network is built.
        manifest.format = InpaintingManifest.currentFormat
        manifest.configuration.cnum = 256
        try Data(try JSONEncoder().encode(manifest)).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        do {
            _ = try InpaintingModel(folder: folder)
            Issue.record("a weight file too small for cnum 256 was accepted")
        } catch {
            guard case .weights = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(throws: TrainingFolderError.missingState(path: folder + "/nothing")) { try InpaintingModel(folder: folder + "/nothing") }
    }
}
