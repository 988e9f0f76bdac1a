import Foundation
import Testing
@testable import GANImageIO

/// Round trips through our encoders and decoders, and how bad input is refused.
struct CodecTests {
    static func randomImage(_ layout: ChannelLayout, _ type: SampleType, width: Int = 23, height: Int = 17, seed: UInt64 = 1) -> Image {
        var rng = SplitMix64(seed: seed)
        let samples = (0..<(width * height * layout.channelCount)).map { _ in UInt16(rng.next() % UInt64(type.maxValue + 1)) }
        return try! Image(width: width, height: height, layout: layout, sampleType: type, samples: samples)
    }

    /// A smooth synthetic photo-like image: gradients and a soft disc (JPEG's typical content).
    static func smoothImage(width: Int = 96, height: Int = 64) -> Image {
        var samples: [UInt16] = []
        for y in 0..<height {
            for x in 0..<width {
                let d = hypot(Double(x - width / 2), Double(y - height / 2))
                samples += [UInt16(x * 255 / (width - 1)), UInt16(y * 255 / (height - 1)),
                            UInt16(max(0, 255 - d * 6))]
            }
        }
        return try! Image(width: width, height: height, layout: .rgb, samples: samples)
    }

    @Test(arguments: ChannelLayout.allCases, SampleType.allCases)
    func pngRoundTripIsBitExact(layout: ChannelLayout, type: SampleType) throws {
        let image = Self.randomImage(layout, type)
        let bytes = try image.encoded(as: .png)
        #expect(ImageFormat.detect(bytes) == .png)
        #expect(try Image(bytes: bytes) == image)
    }

    /// JPEG at quality 92 keeps a smooth image above 38 dB PSNR; at quality 50 above 30 dB.
    @Test func jpegRoundTripStaysAbovePSNRBound() throws {
        let image = Self.smoothImage()
        for (quality, bound) in [(92, 38.0), (50, 30.0)] {
            let decoded = try Image(bytes: image.encoded(as: .jpeg, quality: quality))
            #expect(decoded.layout == .rgb && decoded.width == 96 && decoded.height == 64)
            #expect(psnr(decoded, image) > bound, "quality \(quality)")
        }
        let gray = image.converted(to: .gray)
        let decodedGray = try Image(bytes: gray.encoded(as: .jpeg, quality: 92))
        #expect(decodedGray.layout == .gray)
        #expect(psnr(decodedGray, gray) > 38)
    }

    @Test func jpegDropsAlphaAndReducesSixteenBits() throws {
        let image = Self.smoothImage().converted(to: .rgba).converted(to: .uint16)
        let decoded = try Image(bytes: image.encoded(as: .jpeg, quality: 95))
        #expect(decoded.layout == .rgb && decoded.sampleType == .uint8)
        #expect(psnr(decoded, Self.smoothImage()) > 38)
    }

    @Test func formatIsChosenByContentNotByName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = Self.smoothImage()
        let misnamed = folder + "/really-a-png.jpg"
        try FileAccess.writeAtomically(image.encoded(as: .png), to: misnamed)
        #expect(try Image(contentsOf: misnamed) == image)
        #expect(try ImageInfo(contentsOf: misnamed).format == .png)
        #expect(try Image(data: Data(image.encoded(as: .png))) == image)
    }

    @Test func infoReadsHeadersWithoutDecoding() throws {
        let png = try ImageInfo(bytes: Self.randomImage(.grayAlpha, .uint16).encoded(as: .png))
        #expect(png.format == .png && png.width == 23 && png.height == 17 && png.channels == 2 && png.bitDepth == 16)
        let jpeg = try ImageInfo(bytes: Self.smoothImage().encoded(as: .jpeg, orientation: .right))
        #expect(jpeg.format == .jpeg && jpeg.channels == 3 && jpeg.bitDepth == 8 && jpeg.orientation == .right)
        #expect(jpeg.uprightSize == (64, 96))
    }

    @Test func badInputIsAnErrorThatNamesTheSource() throws {
        let png = try Self.randomImage(.rgb, .uint8).encoded(as: .png)
        for cut in [9, 20, 33, 50, png.count / 2, png.count - 13, png.count - 1] {
            #expect(throws: ImageIOError.self, "PNG cut at \(cut)") { try Image(bytes: Array(png.prefix(cut)), source: "cut.png") }
        }
        let jpeg = try Self.smoothImage().encoded(as: .jpeg)
        for cut in [3, 40, 200, jpeg.count / 2, jpeg.count - 2] {
            #expect(throws: ImageIOError.self, "JPEG cut at \(cut)") { try Image(bytes: Array(jpeg.prefix(cut)), source: "cut.jpg") }
        }
        var flipped = png
        flipped[png.count / 2] ^= 0xFF
        #expect(throws: ImageIOError.self) { try Image(bytes: flipped) }

        #expect(throws: ImageIOError.emptyFile(source: "e.png")) { try Image(bytes: [], source: "e.png") }
        #expect(throws: ImageIOError.unrecognizedFormat(source: "notes.txt")) { try Image(bytes: Array("hello".utf8), source: "notes.txt") }
        do { _ = try Image(contentsOf: "/nonexistent/a.png"); Issue.record("decoded a missing file") } catch {
            #expect(error.description.hasPrefix("/nonexistent/a.png: cannot read"))
        }
        do { _ = try Image(contentsOf: "/tmp"); Issue.record("decoded a folder") } catch {
            #expect(error == .cannotRead(path: "/tmp", reason: "not a regular file"))
        }
        do { _ = try Image(bytes: Array(png.prefix(60)), source: "part.png"); Issue.record("decoded a truncated PNG") } catch {
            #expect(error.description.hasPrefix("part.png: corrupt PNG"))
        }
    }

    /// A header declaring 100000 x 100000 (PNG) or 60000 x 60000 (JPEG) is refused before the
    /// pixels are allocated.
    @Test func decompressionBombsAreRefusedBeforeAllocating() throws {
        var png = try Self.randomImage(.rgb, .uint8, width: 4, height: 4).encoded(as: .png)
        // IHDR data starts at byte 16: width, height big-endian; its CRC follows the 13 data bytes.
        for (i, byte) in [UInt8(0x00), 0x01, 0x86, 0xA0, 0x00, 0x01, 0x86, 0xA0].enumerated() { png[16 + i] = byte }
        let crc = crc32(Array(png[12..<29]))
        for i in 0..<4 { png[29 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
        #expect(throws: ImageIOError.tooLarge(source: "bomb.png", width: 100_000, height: 100_000, limit: 100_000_000)) {
            try Image(bytes: png, source: "bomb.png")
        }
        var jpeg = try Self.smoothImage().encoded(as: .jpeg)
        let sof = (0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }!
        for (i, byte) in [UInt8(0xEA), 0x60, 0xEA, 0x60].enumerated() { jpeg[sof + 5 + i] = byte }
        #expect(throws: ImageIOError.tooLarge(source: "bomb.jpg", width: 60000, height: 60000, limit: 100_000_000)) {
            try Image(bytes: jpeg, source: "bomb.jpg")
        }
        let small = DecodeOptions(maxPixels: 1000)
        #expect(throws: ImageIOError.tooLarge(source: "<memory>", width: 96, height: 64, limit: 1000)) {
            try Image(bytes: Self.smoothImage().encoded(as: .png), options: small)
        }
    }

    @Test func atomicWriteLeavesNoPartialFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.smoothImage().write(to: folder + "/a.png")
        try Self.smoothImage().write(to: folder + "/b.jpg")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.png", "b.jpg"])
        #expect(throws: ImageIOError.self) { try Self.smoothImage().write(to: folder + "/missing/c.png") }
        #expect(throws: ImageIOError.self) { try Self.smoothImage().write(to: folder + "/noextension") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.png", "b.jpg"])
    }
}

/// CRC-32 (ISO-HDLC), as PNG chunks use.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}
