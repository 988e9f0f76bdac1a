import Foundation
import GANImageIO
import Testing
@testable import GANInpainting

struct MetricsTests {
    @Test func l1AndPSNROnOneWrongPixel() throws {
        let reference = try Image(width: 2, height: 2, layout: .gray, samples: [100, 100, 100, 100])
        let result = try Image(width: 2, height: 2, layout: .gray, samples: [100, 151, 100, 100])
        let mask = try Mask(width: 2, height: 2, isHole: [false, true, false, false])
        let m = try HoleMetrics(result: result, reference: reference, mask: mask)
        #expect(abs(m.l1 - 0.2) < 1e-12)                                  // 51/255
        #expect(abs(m.psnr - 13.979400086720377) < 1e-9)                   // 10·log10(1/0.04)
        #expect(m.holePixels == 1)
        // The wrong pixel outside the hole counts for nothing.
        let outside = try HoleMetrics(result: result, reference: reference, mask: Mask(width: 2, height: 2, isHole: [true, false, false, false]))
        #expect(outside.l1 == 0 && outside.psnr == .infinity)
    }

    @Test func ssimOfConstantImagesIsTheLuminanceTerm() throws {
        // σ = 0 everywhere: SSIM = (2ab + C1)/(a² + b² + C1) with a = 0.4, b = 0.6.
        let a = try Image(width: 6, height: 5, layout: .rgb, samples: [UInt16](repeating: 102, count: 90))
        var b = a
        for p in 0..<30 { b[x: p % 6, y: p / 6, channel: 0] = 153 }
        let all = try Mask(width: 6, height: 5, isHole: [Bool](repeating: true, count: 30))
        let m = try HoleMetrics(result: b, reference: a, mask: all)
        let red = (2 * 0.4 * 0.6 + 1e-4) / (0.16 + 0.36 + 1e-4)
        #expect(abs(m.ssim - (red + 2) / 3) < 1e-12)                     // green and blue are equal: 1
        #expect(try HoleMetrics(result: a, reference: a, mask: all).ssim == 1)
    }

    /// The same 4x5 case as tools/opencv_inpaint_baseline.py's numpy SSIM gives 0.8119711467998671.
    @Test func ssimMatchesTheNumpyReference() throws {
        let x = try Image(width: 5, height: 4, layout: .gray, samples: (0..<20).map { UInt16($0 * 13 % 256) })
        let y = try Image(width: 5, height: 4, layout: .gray, samples: (0..<20).map { UInt16(($0 * 7 + 30) % 256) })
        let mask = try Mask(width: 5, height: 4, isHole: (0..<20).map { (1...2).contains($0 / 5) && (1...3).contains($0 % 5) })
        #expect(abs(try HoleMetrics(result: x, reference: y, mask: mask).ssim - 0.8119711467998671) < 1e-12)
    }

    @Test func mismatchesAreRefused() throws {
        let a = try Image(width: 4, height: 4, layout: .rgb)
        let gray = try Image(width: 4, height: 4, layout: .gray)
        let mask = try Mask(width: 4, height: 4, isHole: [Bool](repeating: true, count: 16))
        #expect(throws: InpaintingError.self) { try HoleMetrics(result: a, reference: gray, mask: mask) }
        #expect(throws: InpaintingError.self) { try HoleMetrics(result: a, reference: a, mask: Mask(width: 4, height: 4, isHole: [Bool](repeating: false, count: 16))) }
        #expect(throws: InpaintingError.self) { try HoleMetrics(result: a, reference: a, mask: Mask(width: 2, height: 8, isHole: [Bool](repeating: true, count: 16))) }
    }
}
