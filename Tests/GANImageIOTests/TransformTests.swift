import Testing
@testable import GANImageIO

/// Orientation, resize, crop, flip, padding, float conversion and masks, with exact values.
struct TransformTests {
    /// 3 x 2 gray image, samples 1...6 row by row:  1 2 3 / 4 5 6.
    static let small = try! Image(width: 3, height: 2, layout: .gray, samples: [1, 2, 3, 4, 5, 6])

    @Test(arguments: [
        (Orientation.up, 3, [1, 2, 3, 4, 5, 6] as [UInt16]),
        (.upMirrored, 3, [3, 2, 1, 6, 5, 4]),
        (.down, 3, [6, 5, 4, 3, 2, 1]),
        (.downMirrored, 3, [4, 5, 6, 1, 2, 3]),
        (.leftMirrored, 2, [1, 4, 2, 5, 3, 6]),
        (.right, 2, [4, 1, 5, 2, 6, 3]),
        (.rightMirrored, 2, [6, 3, 5, 2, 4, 1]),
        (.left, 2, [3, 6, 2, 5, 1, 4]),
    ])
    func orientationTurnsTheImageUpright(orientation: Orientation, width: Int, expected: [UInt16]) {
        let upright = Self.small.applying(orientation)
        #expect(upright.width == width && upright.samples == expected)
    }

    /// End to end: a JPEG whose EXIF says "turn 90 degrees clockwise" decodes upright.
    @Test func exifOrientationIsAppliedOnDecode() throws {
        // 32 x 16: left half red, right half blue. Turned clockwise it is 16 x 32, red on top.
        var samples: [UInt16] = []
        for _ in 0..<16 { for x in 0..<32 { samples += x < 16 ? [255, 0, 0] : [0, 0, 255] } }
        let stored = try Image(width: 32, height: 16, layout: .rgb, samples: samples)
        for orientation in Orientation.allCases {
            let bytes = try stored.encoded(as: .jpeg, quality: 100, orientation: orientation)
            #expect(Orientation.read(from: bytes) == orientation)
            let decoded = try Image(bytes: bytes)
            let expected = stored.applying(orientation)
            #expect(decoded.width == expected.width && decoded.height == expected.height)
            let worst = zip(decoded.samples, expected.samples).map { abs(Int($0) - Int($1)) }.max()!
            #expect(worst < 40, "\(orientation): colours land where the orientation puts them")
            #expect(try Image(bytes: bytes, options: DecodeOptions(appliesOrientation: false)).width == 32)
        }
        let turned = try Image(bytes: stored.encoded(as: .jpeg, quality: 100, orientation: .right))
        #expect(turned[x: 8, y: 4, channel: 0] > 200 && turned[x: 8, y: 28, channel: 2] > 200)
    }

    @Test func shrinkingAveragesAreas() throws {
        let four = try Image(width: 4, height: 4, layout: .gray, samples: [
            0, 10, 20, 30,
            40, 50, 60, 70,
            80, 90, 100, 110,
            120, 130, 140, 151])
        // Each output pixel is the mean of a 2x2 block, rounded: 25, 45, 105, 125.25 -> 125.
        #expect(try four.resized(width: 2, height: 2).samples == [25, 45, 105, 125])
        // 3 -> 2: out0 = (a + b/2) / 1.5, out1 = (b/2 + c) / 1.5.
        let three = try Image(width: 3, height: 1, layout: .gray, samples: [0, 90, 180])
        #expect(try three.resized(width: 2, height: 1).samples == [30, 150])
        #expect(try four.resized(width: 1, height: 1).samples == [75], "1201 / 16 = 75.06")
    }

    @Test func enlargingInterpolates() throws {
        let two = try Image(width: 2, height: 1, layout: .gray, samples: [0, 100])
        // Output centres sit at input x = -0.25, 0.25, 0.75, 1.25 (edges clamped).
        #expect(try two.resized(width: 4, height: 1, filter: .bilinear).samples == [0, 25, 75, 100])
        // Keys a = -0.5 at 0.25: weights 0.796875 / 0.203125 after folding the edge taps. At the
        // ends (weights 1.0703 / -0.0703) the step rings: -7.03 clamps to 0, 107.03 rounds to 107.
        #expect(try two.resized(width: 4, height: 1, filter: .bicubic).samples == [0, 20, 80, 107])
        let flat = try Image(width: 3, height: 3, layout: .rgb, filledWith: 77)
        for filter in ResizeFilter.allCases {
            #expect(try flat.resized(width: 7, height: 5, filter: filter).samples.allSatisfy { $0 == 77 })
            #expect(try flat.resized(width: 2, height: 5, filter: filter).samples.allSatisfy { $0 == 77 })
        }
        #expect(throws: ImageIOError.self) { try flat.resized(width: 0, height: 2) }
    }

    @Test func transparentPixelsDoNotBleedWhenResizing() throws {
        // Opaque white beside fully transparent red: the average keeps white, alpha halves.
        let image = try Image(width: 2, height: 1, layout: .rgba, samples: [255, 255, 255, 255, 255, 0, 0, 0])
        #expect(try image.resized(width: 1, height: 1).samples == [255, 255, 255, 128])
    }

    @Test func cropsAndFlips() throws {
        let image = try Image(width: 4, height: 3, layout: .gray, samples: (0..<12).map(UInt16.init))
        #expect(try image.cropped(x: 1, y: 1, width: 2, height: 2).samples == [5, 6, 9, 10])
        #expect(try image.centerCropped(width: 2, height: 1).samples == [5, 6])
        #expect(image.flippedHorizontally().samples == [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8])
        #expect(throws: ImageIOError.self) { try image.cropped(x: 3, y: 0, width: 2, height: 1) }
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        var seen = Set<[UInt16]>()
        for _ in 0..<20 {
            let crop = try image.randomlyCropped(width: 2, height: 2, using: &a)
            #expect(crop == (try image.randomlyCropped(width: 2, height: 2, using: &b)), "same seed, same crop")
            seen.insert(crop.samples)
        }
        #expect(seen.count > 1, "different draws give different crops")
    }

    @Test func padding() throws {
        let row = try Image(width: 3, height: 1, layout: .gray, samples: [1, 2, 3])
        #expect(try row.padded(top: 0, bottom: 0, left: 2, right: 2, mode: .reflect).samples == [3, 2, 1, 2, 3, 2, 1])
        #expect(try row.padded(top: 0, bottom: 0, left: 1, right: 1, mode: .zero).samples == [0, 1, 2, 3, 0])
        let padded = try Self.small.padded(top: 1, bottom: 1, left: 1, right: 1, mode: .reflect)
        #expect(padded.width == 5 && padded.height == 4)
        #expect(padded.samples == [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2])
        #expect(throws: ImageIOError.self) { try row.padded(top: 1, bottom: 0, left: 0, right: 0, mode: .reflect) }
    }

    @Test func floatPlanesMapSamplesToMinusOneToOne() throws {
        let rgb = try Image(width: 2, height: 1, layout: .rgb, samples: [0, 255, 128, 64, 1, 254])
        let planes = rgb.colorPlanes()
        #expect(planes.shape == [1, 3, 1, 2])
        // Channel-major: R plane (0, 64), G plane (255, 1), B plane (128, 254).
        let expected: [Float] = [-1, 64.0 / 255 * 2 - 1, 1, 1.0 / 255 * 2 - 1, 128.0 / 255 * 2 - 1, 254.0 / 255 * 2 - 1]
        for (a, b) in zip(planes.values, expected) { #expect(abs(a - b) < 1e-6) }
        #expect(try Image(planes: planes) == rgb)
    }

    @Test func floatConversionRoundsAndClamps() throws {
        let planes = try FloatPlanes(channels: 1, height: 1, width: 6, values: [0, -1.5, 2, .nan, -0.99, 0.999])
        // 0 -> 127.5 -> 128 (halves away from zero); out of range clamps; NaN is -1.
        #expect(try Image(planes: planes).samples == [128, 0, 255, 0, 1, 255])
        for type in SampleType.allCases {
            let all = (0...type.maxValue).map(UInt16.init)
            let image = try Image(width: all.count, height: 1, layout: .gray, sampleType: type, samples: all)
            #expect(try Image(planes: image.colorPlanes(), sampleType: type) == image, "every \(type) value survives")
        }
    }

    @Test func alphaTravelsBesideTheColourPlanes() throws {
        let rgba = CodecTests.randomImage(.rgba, .uint16)
        let planes = rgba.colorPlanes()
        #expect(planes.channels == 3)
        let alpha = try #require(rgba.alphaChannel())
        #expect(try Image(planes: planes, sampleType: .uint16, alpha: alpha) == rgba)
        #expect(CodecTests.randomImage(.rgb, .uint8).alphaChannel() == nil)
    }

    @Test func masksFollowTheWhiteIsHoleConvention() throws {
        let gray = try Image(width: 4, height: 1, layout: .gray, samples: [0, 127, 128, 255])
        #expect(Mask(image: gray).isHole == [false, false, true, true])
        #expect(Mask(image: gray, threshold: 200).isHole == [false, false, false, true])
        #expect(Mask(image: gray, inverted: true).isHole == [true, true, false, false])
        let color = try Image(width: 2, height: 1, layout: .rgb, samples: [255, 255, 255, 255, 0, 0])
        #expect(Mask(image: color).isHole == [true, false], "pure red has luma 76: kept")
        let alpha = try Image(width: 2, height: 1, layout: .rgba, samples: [9, 9, 9, 0, 9, 9, 9, 255])
        #expect(try Mask(alphaOf: alpha).isHole == [true, false])
        #expect(throws: ImageIOError.self) { try Mask(alphaOf: gray) }
        let mask = Mask(image: gray)
        #expect(mask.holeFraction == 0.5)
        #expect(throws: ImageIOError.maskSizeMismatch(mask: "m.png", maskWidth: 4, maskHeight: 1, imageWidth: 3, imageHeight: 2)) {
            try mask.checkSize(matches: Self.small, source: "m.png")
        }
        let decoded = Mask(image: try Image(bytes: mask.image.encoded(as: .png)))
        #expect(decoded == mask)
    }
}
