import GANCore
import GANImageIO
import Testing
@testable import GANInpainting

/// A deterministic noisy image: every sample from a seeded generator.
func noiseImage(width: Int, height: Int, layout: ChannelLayout, sampleType: SampleType = .uint8, seed: UInt64 = 1) throws -> Image {
    var rng = SeededGenerator(seed: seed)
    let samples = (0..<(width * height * layout.channelCount)).map { _ in UInt16(rng.next() % UInt64(sampleType.maxValue + 1)) }
    return try Image(width: width, height: height, layout: layout, sampleType: sampleType, samples: samples)
}

/// A mask whose holes are where `isHole(x, y)` says.
func makeMask(width: Int, height: Int, _ isHole: (Int, Int) -> Bool) throws -> Mask {
    try Mask(width: width, height: height, isHole: (0..<(width * height)).map { isHole($0 % width, $0 / width) })
}

/// A gray ramp v = 2x + y + 10.
func ramp(width: Int, height: Int) throws -> Image {
    try Image(width: width, height: height, layout: .gray,
              samples: (0..<(width * height)).map { UInt16(2 * ($0 % width) + $0 / width + 10) })
}

/// The largest difference between a result and a reference over the hole.
func largestHoleError(_ a: Image, _ b: Image, _ mask: Mask) -> Int {
    var worst = 0
    for p in 0..<(mask.width * mask.height) where mask.isHole[p] {
        for c in 0..<a.layout.colorChannelCount {
            worst = max(worst, abs(Int(a[x: p % a.width, y: p / a.width, channel: c]) - Int(b[x: p % b.width, y: p / b.width, channel: c])))
        }
    }
    return worst
}

struct TeleaTests {
    @Test(arguments: [(ChannelLayout.gray, SampleType.uint8), (.grayAlpha, .uint16), (.rgb, .uint8), (.rgba, .uint8), (.rgba, .uint16)])
    func knownPixelsAndAlphaAreUntouched(layout: ChannelLayout, sampleType: SampleType) throws {
        let image = try noiseImage(width: 37, height: 29, layout: layout, sampleType: sampleType)
        let mask = try makeMask(width: 37, height: 29) { x, y in (x - 15) * (x - 15) + (y - 12) * (y - 12) < 60 || (y == 20 && x > 3) }
        let result = try TeleaInpainter(gradientTerm: layout == .rgba ? .allPixels : .knownPixels).inpaint(image, mask: mask)
        #expect(result.width == image.width && result.height == image.height)
        #expect(result.layout == layout && result.sampleType == sampleType)
        var changedInHole = 0
        for p in 0..<(37 * 29) {
            for c in 0..<layout.channelCount {
                let (x, y) = (p % 37, p / 37)
                if !mask.isHole[p] || (layout.hasAlpha && c == layout.channelCount - 1) {
                    #expect(result[x: x, y: y, channel: c] == image[x: x, y: y, channel: c])
                } else if result[x: x, y: y, channel: c] != image[x: x, y: y, channel: c] {
                    changedInHole += 1
                }
            }
        }
        #expect(changedInHole > mask.holeCount / 2)
    }

    @Test(arguments: TeleaInpainter.GradientTerm.allCases)
    func constantImageStaysConstant(term: TeleaInpainter.GradientTerm) throws {
        let mask = try makeMask(width: 30, height: 20) { x, y in x > 5 && x < 25 && y > 3 && y < 17 }
        let gray = try Image(width: 30, height: 20, layout: .gray, sampleType: .uint16, filledWith: 40000)
        #expect(try TeleaInpainter(gradientTerm: term).inpaint(gray, mask: mask) == gray)
        let rgb = try Image(width: 30, height: 20, layout: .rgb, filledWith: 77)
        #expect(try TeleaInpainter(radius: 3, gradientTerm: term).inpaint(rgb, mask: mask) == rgb)
    }

    /// The first-order estimate I(q) + ∇I(q)·(p − q) is exact on a linear ramp: with ∇I taken
    /// everywhere (the paper as written) the fill is within rounding of the ramp. The default
    /// takes ∇I of known pixels only, so deep inside the hole it is only a weighted mean.
    @Test func linearRampIsFilledCloseToTheRamp() throws {
        let image = try ramp(width: 64, height: 48)
        let mask = try makeMask(width: 64, height: 48) { x, y in (20..<40).contains(x) && (15..<30).contains(y) }
        var errors: [TeleaInpainter.GradientTerm: Int] = [:]
        for term in TeleaInpainter.GradientTerm.allCases {
            errors[term] = largestHoleError(try TeleaInpainter(gradientTerm: term).inpaint(image, mask: mask), image, mask)
        }
        #expect(errors[.allPixels]! <= 1)
        #expect(errors[.knownPixels]! <= 8 && errors[.knownPixels]! < errors[.none]!)   // measured: 7 and 10
    }

    @Test func holeTouchingTheBorder() throws {
        let image = try ramp(width: 48, height: 40)
        let mask = try makeMask(width: 48, height: 40) { x, y in (x < 10 && y < 12) || x >= 44 || y == 39 }
        let exact = try TeleaInpainter(radius: 4, gradientTerm: .allPixels).inpaint(image, mask: mask)
        #expect(largestHoleError(exact, image, mask) <= 1)
        let result = try TeleaInpainter(radius: 4).inpaint(image, mask: mask)
        #expect(largestHoleError(result, image, mask) <= 20)                                 // measured: 19
        for p in 0..<(48 * 40) where !mask.isHole[p] { #expect(result.samples[p] == image.samples[p]) }
    }

    @Test func emptyMaskReturnsTheInput() throws {
        let image = try noiseImage(width: 9, height: 7, layout: .rgb)
        let mask = try makeMask(width: 9, height: 7) { _, _ in false }
        #expect(try TeleaInpainter().inpaint(image, mask: mask) == image)
    }

    @Test func badInputsGiveTypedErrors() throws {
        let image = try noiseImage(width: 9, height: 7, layout: .rgb)
        #expect(throws: InpaintingError.maskCoversEverything(width: 9, height: 7)) {
            try TeleaInpainter().inpaint(image, mask: makeMask(width: 9, height: 7) { _, _ in true })
        }
        #expect(throws: InpaintingError.maskSizeMismatch(maskWidth: 7, maskHeight: 9, imageWidth: 9, imageHeight: 7)) {
            try TeleaInpainter().inpaint(image, mask: makeMask(width: 7, height: 9) { x, _ in x == 1 })
        }
        #expect(throws: InpaintingError.self) {
            try TeleaInpainter(radius: 0).inpaint(image, mask: makeMask(width: 9, height: 7) { x, _ in x == 1 })
        }
        #expect(InpaintingError.maskCoversEverything(width: 9, height: 7).description.contains("no known pixels"))
    }

    /// T is 0 on the boundary and grows by about one pixel a step into the hole.
    @Test func distanceGrowsIntoTheHole() throws {
        let image = try ramp(width: 21, height: 21)
        let mask = try makeMask(width: 21, height: 21) { x, y in (3..<18).contains(x) && (3..<18).contains(y) }
        var march = TeleaMarch(image: image, mask: mask, radius: 3)
        march.marchOutwards()
        march.marchInwards()
        #expect(march.time[10 * 21 + 2] == 0)           // boundary
        #expect(abs(march.time[10 * 21 + 10] - 8) < 0.5) // centre: 8 steps in
        #expect(abs(march.time[10 * 21 + 0] + 2) < 0.01) // outside: −distance
        #expect(march.flag.allSatisfy { $0 == TeleaMarch.known })
    }
}
