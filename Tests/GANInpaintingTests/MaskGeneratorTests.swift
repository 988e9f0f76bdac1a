import GANImageIO
import Testing
@testable import GANInpainting

struct MaskGeneratorTests {
    @Test(arguments: FreeFormMaskGenerator.buckets + [0.05...0.1])
    func holeRatioLandsInItsBucket(bucket: ClosedRange<Double>) throws {
        let generator = try FreeFormMaskGenerator(width: 96, height: 80, holeRatio: bucket)
        for seed: UInt64 in [1, 2, 3, 42] {
            let mask = try generator.mask(seed: seed)
            #expect(mask.width == 96 && mask.height == 80)
            #expect(bucket.contains(mask.holeFraction), "seed \(seed): \(mask.holeFraction)")
        }
    }

    @Test func sameSeedSameMaskOtherSeedOtherMask() throws {
        let generator = try FreeFormMaskGenerator(width: 64, height: 64, holeRatio: 0.2...0.3)
        #expect(try generator.mask(seed: 7) == generator.mask(seed: 7))
        #expect(try generator.mask(seed: 7) != generator.mask(seed: 8))
    }

    @Test func badRangesAreRefused() {
        #expect(throws: InpaintingError.self) { try FreeFormMaskGenerator(width: 64, height: 64, holeRatio: 0...0.2) }
        #expect(throws: InpaintingError.self) { try FreeFormMaskGenerator(width: 64, height: 64, holeRatio: 0.5...1) }
        #expect(throws: InpaintingError.self) { try FreeFormMaskGenerator(width: 8, height: 8, holeRatio: 0.5001...0.5002) }
        #expect(throws: InpaintingError.self) { try FreeFormMaskGenerator(width: 4, height: 64, holeRatio: 0.1...0.2) }
    }

    @Test func strokesDrawRoundCapsules() {
        var canvas = Canvas(width: 20, height: 10)
        canvas.draw(.stroke(points: [(5, 5), (15, 5)], radius: 2))
        // 10 px long, 2 px radius: a 4x10 band plus two half-disks
        #expect(canvas.isHole[5 * 20 + 10] && canvas.isHole[5 * 20 + 3] && !canvas.isHole[5 * 20 + 1])
        #expect(!canvas.isHole[0] && canvas.holeCount > 40 && canvas.holeCount < 60)
        canvas.draw(.box(x: 0, y: 0, right: 2, bottom: 3))
        #expect(canvas.isHole[0] && canvas.isHole[2 * 20 + 1] && !canvas.isHole[3 * 20])
    }
}
