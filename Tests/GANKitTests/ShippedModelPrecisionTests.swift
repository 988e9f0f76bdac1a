import Foundation
import Testing
import GANImageIO
@testable import GANKit

/// `--precision bf16` on the models GANKit ships: the outputs stay within two 8-bit levels of float32 (measured on 40
/// held-out faces: colorize max 1 level, mean 0.05; inpaint max 2, mean 0.02; docs/PERFORMANCE.md), and on CPUs
/// with AVX512_BF16 they do differ somewhere (the option is not ignored).
@Suite struct ShippedModelPrecisionTests {
    static let models = RepositoryPaths.root + "/Models"

    /// A face-sized test card: gradients and stripes in every channel.
    static func card(width: Int = 96, height: Int = 112) throws -> Image {
        var samples: [UInt16] = []
        for y in 0..<height { for x in 0..<width { for c in 0..<3 { samples.append(UInt16((x * 5 + y * 3 + c * 60 + (x / 8 % 2) * 40) % 256)) } } }
        return try Image(width: width, height: height, layout: .rgb, samples: samples)
    }

    /// The largest difference in levels between two images of one size, and how many samples differ.
    static func difference(_ a: Image, _ b: Image) -> (largest: Int, differing: Int) {
        var largest = 0, differing = 0
        for y in 0..<a.height { for x in 0..<a.width { for c in 0..<3 {
            let d = abs(Int(a[x: x, y: y, channel: c]) - Int(b[x: x, y: y, channel: c]))
            largest = max(largest, d)
            if d > 0 { differing += 1 }
        } } }
        return (largest, differing)
    }

    @Test func colorizeInBFloat16StaysWithinTwoLevels() throws {
        let model = try ImageConditionalModels.load("faces-colorize", models: Self.models)
        let photo = try Self.card()
        let exact = try ImageConditionalJob(model: model).translate(photo)
        let rounded = try ImageConditionalJob(model: model, precision: .bfloat16).translate(photo)
        let (largest, differing) = Self.difference(exact, rounded)
        #expect(largest <= 2, "largest difference \(largest) levels")
        if InferencePrecision.bfloat16Supported { #expect(differing > 0) }
        // Without a precision of its own, a job follows the calling task's.
        let inherited = try InferencePrecision.$current.withValue(.bfloat16) { try ImageConditionalJob(model: model).translate(photo) }
        #expect(inherited.samples == rounded.samples)
    }

    @Test func inpaintInBFloat16StaysWithinTwoLevels() throws {
        var inpainter = try Inpainter(modelNamed: "faces-inpaint", models: Self.models)
        let photo = try Self.card()
        let mask = try InpaintEvaluation.mask(seed: 3, bucket: 2, index: 0, width: photo.width, height: photo.height)
        let exact = try inpainter.inpaint(image: photo, mask: mask)
        inpainter.precision = .bfloat16
        let rounded = try inpainter.inpaint(image: photo, mask: mask)
        let (largest, differing) = Self.difference(exact, rounded)
        #expect(largest <= 2, "largest difference \(largest) levels")
        if InferencePrecision.bfloat16Supported { #expect(differing > 0) }
    }
}
