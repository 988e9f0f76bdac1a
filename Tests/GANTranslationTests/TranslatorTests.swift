import Foundation
import Testing
import GANCore
import GANImageIO
@testable import GANTranslation

/// Counts the pieces a translator sends through its transform.
final class CallCounter: @unchecked Sendable { var calls = 0; var sizes: [[Int]] = [] }

@Suite struct TranslatorTests {
    @Test func anySizeComesBackTheSameSizeThroughAResnetGenerator() throws {
        var rng = SeededGenerator(seed: 3)
        var options = NetworkOptions(ngf: 2, resnetBlocks: 1)
        options.norm = .instance
        let translator = Translator(generator: ResnetGenerator(options: options, using: &rng))
        for (w, h) in [(37, 23), (8, 5), (64, 64)] {
            let out = try translator.translate(testImage(width: w, height: h))
            #expect((out.width, out.height, out.layout) == (w, h, .rgb))
        }
    }

    /// A translator built with `precision: .bfloat16` runs its generator's convolution products in
    /// bfloat16 (on AVX512_BF16 CPUs): outputs within 0.05 of float32's, and not identical to them there.
    @Test func bfloat16TranslatorStaysNearFloat32() {
        var rng = SeededGenerator(seed: 7)
        let generator = ResnetGenerator(options: NetworkOptions(ngf: 16, resnetBlocks: 1), using: &rng)
        let input = Tensor.randomNormal([1, 3, 24, 20], using: &rng)
        let exact = Translator(generator: generator).translate(input)
        let rounded = Translator(generator: generator, precision: .bfloat16).translate(input)
        #expect(exact.shape == rounded.shape)
        let worst = zip(exact.scalars, rounded.scalars).map { abs($0 - $1) }.max()!
        #expect(worst <= 0.05, "bf16 vs float32: \(worst)")
        if InferencePrecision.bfloat16Supported { #expect(worst > 0) }
    }

    /// Honest tiling check: with a network that has no spatial context and no per-tile statistics (a 1×1
    /// convolution and tanh), the blended tiles must reproduce the whole-image result; this checks tile
    /// placement, reflect padding, cropping and weight normalisation. Networks with instance norm or a large
    /// receptive field differ near seams by design.
    @Test func tiledEqualsWholeForAPointwiseNetwork() {
        var rng = SeededGenerator(seed: 4)
        let net = Sequential(Conv2d(inChannels: 3, outChannels: 3, kernelSize: 1, using: &rng), Tanh())
        let whole = Translator(generator: net, tileSize: 1024, overlap: 8)
        let counter = CallCounter()
        let tiled = Translator(tileSize: 24, overlap: 6) { x in
            counter.calls += 1; counter.sizes.append(x.shape)
            return withNoGrad { net(Variable(x)).value }
        }
        let input = Tensor.randomUniform([1, 3, 51, 70], low: -1, high: 1, using: &rng)
        let a = whole.translate(input), b = tiled.translate(input)
        #expect(a.shape == b.shape && a.shape == [1, 3, 51, 70])
        #expect(zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(counter.calls == 3 * 4)
        #expect(counter.sizes.allSatisfy { $0 == [1, 3, 24, 24] })
    }

    /// Seams are blended: tiles whose outputs are constants 0 and 1 meet in a gradual ramp, not a step.
    @Test func seamsRampAcrossTheOverlap() {
        let counter = CallCounter()
        let translator = Translator(tileSize: 64, overlap: 28) { x in
            defer { counter.calls += 1 }
            return Tensor(shape: x.shape, repeating: Float(counter.calls))
        }
        let out = translator.translate(Tensor.zeros([1, 1, 8, 100]))
        let row = Array(out.scalars[0..<100])
        #expect(row[0..<36].allSatisfy { $0 == 0 } && row[64..<100].allSatisfy { $0 == 1 })
        #expect(zip(row, row.dropFirst()).allSatisfy { $1 - $0 >= 0 && $1 - $0 < 0.1 })
    }

    @Test func alphaAndSixteenBitsPassThrough() throws {
        let identity = Translator(transform: { $0 })
        let input = testImage(width: 30, height: 21, layout: .rgba, sampleType: .uint16)
        let out = try identity.translate(input)
        #expect(out.sampleType == .uint16 && out.layout == .rgba)
        #expect(out.alphaChannel() == input.alphaChannel())
        #expect(out == input)
        let gray = try identity.translate(testImage(width: 9, height: 7, layout: .grayAlpha))
        #expect(gray.layout == .rgba && gray.width == 9)
    }

    @Test func reflectPaddingMirrorsWithoutRepeatingTheEdge() {
        let t = Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3])
        #expect(TileGeometry.reflectPad(t, top: 0, left: 2, height: 1, width: 8).scalars == [3, 2, 1, 2, 3, 2, 1, 2])
    }

    @Test func modelFolderPicksTheGeneratorByDomain() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = CycleGANModel(options: tinyOptions(), seed: 1)
        try TranslationModel.export(model, manifest: TranslationManifest(name: "toy", domainA: "cats", domainB: "dogs",
                                                                         options: tinyOptions()), to: folder)
        let loaded = try TranslationModel(folder: folder)
        #expect(loaded.generatorName(to: "Dogs") == "G_A" && loaded.generatorName(to: "cats") == "G_B")
        #expect(loaded.generatorName(to: "zebras") == nil)
        let generator = try loaded.loadGenerator("G_B")
        #expect(generator.stateDict() == model.generatorB.stateDict())
    }
}
