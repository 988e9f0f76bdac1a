import Foundation
import Testing
@testable import GANImageIO

/// The JPEG corpus: jpeg-decoder's reftests (each X.jpg with the expected decode X.png, made by
/// ImageMagick), libjpeg-turbo's test images, and malformed files that must fail cleanly.
@Suite(.enabled(if: TestPaths.dataAvailable("jpeg-corpus"), TestPaths.dataMissingMessage))
struct JpegCorpusTests {
    static let root = TestPaths.data + "/jpeg-corpus"

    /// Decoded pixels may differ from ImageMagick's by IDCT/upsampling rounding: at most 3 levels
    /// per sample and 0.25 on average (measured: max 3, mean <= 0.214, PSNR >= 54.8 dB).
    static let maxSampleDifference = 3
    static let maxMeanDifference = 0.25

    /// Reftests that are incomplete on purpose (a progressive file cut short, a progressive file
    /// with no DC scan): GANKit refuses them as corrupt rather than return a partial image.
    static let refusedAsIncomplete: Set<String> = ["partial_progressive.jpg", "progressive-missing-dc.jpg"]

    struct Comparison { let maxDiff: Int; let meanDiff: Double; let psnr: Double }

    static func compare(_ jpegPath: String, _ pngPath: String) throws -> Comparison {
        let ours = try Image(contentsOf: jpegPath)
        let expected = try Image(contentsOf: pngPath).converted(to: .uint8).converted(to: ours.layout)
        #expect(ours.width == expected.width && ours.height == expected.height, "\(jpegPath) size")
        guard ours.samples.count == expected.samples.count else { return Comparison(maxDiff: 255, meanDiff: 255, psnr: 0) }
        var maxDiff = 0, total = 0
        for (a, b) in zip(ours.samples, expected.samples) {
            let d = abs(Int(a) - Int(b)); maxDiff = max(maxDiff, d); total += d
        }
        return Comparison(maxDiff: maxDiff, meanDiff: Double(total) / Double(ours.samples.count), psnr: psnr(ours, expected))
    }

    @Test func reftestsDecodeCloseToTheirReferencePNGs() throws {
        let folder = Self.root + "/jpeg-decoder/reftest"
        var matched = 0, unsupported = 0, refused = 0
        for name in TestPaths.files(in: folder, extensions: ["jpg"]) {
            let path = folder + "/" + name
            let png = folder + "/" + (name as NSString).deletingPathExtension + ".png"
            if name.hasPrefix("lossless/") {
                // Lossless JPEG (SOF3) is not decoded by libjpeg-turbo 2.1: a clear refusal.
                #expect(throws: ImageIOError.self) { try Image(contentsOf: path) }
                do { _ = try Image(contentsOf: path) } catch {
                    if case .unsupported = error { unsupported += 1 } else { Issue.record("\(name): \(error)") }
                }
                continue
            }
            if Self.refusedAsIncomplete.contains(name) {
                do { _ = try Image(contentsOf: path); Issue.record("\(name) decoded although incomplete") } catch {
                    if case .corrupt = error { refused += 1 } else { Issue.record("\(name): \(error)") }
                }
                continue
            }
            guard FileManager.default.fileExists(atPath: png) else { continue }
            let c = try Self.compare(path, png)
            #expect(c.maxDiff <= Self.maxSampleDifference, "\(name): max difference \(c.maxDiff)")
            #expect(c.meanDiff <= Self.maxMeanDifference, "\(name): mean difference \(c.meanDiff)")
            matched += 1
        }
        #expect(matched == 35)
        print("JPEG reftests: \(matched) match their reference, \(unsupported) lossless refused as unsupported, \(refused) incomplete refused")
    }

    @Test func libjpegTurboTestImages() throws {
        let folder = Self.root + "/libjpeg-turbo"
        // testorig.ppm is libjpeg-turbo's own decode of testorig.jpg (its testorig.png is gray).
        let ours = try Image(contentsOf: folder + "/testorig.jpg")
        let reference = try readPPM(folder + "/testorig.ppm")
        #expect(ours.width == reference.width && ours.height == reference.height)
        let worst = zip(ours.samples, reference.samples).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= Self.maxSampleDifference, "within IDCT rounding of libjpeg-turbo's own decode")
        let interleaved = try Image(contentsOf: folder + "/testimgint.jpg")
        let arithmetic = try Image(contentsOf: folder + "/testimgari.jpg")
        #expect(interleaved.width == 227 && arithmetic.height == 149)
        do { _ = try Image(contentsOf: folder + "/monkey12.jpg"); Issue.record("12-bit decoded") } catch {
            guard case let .unsupported(source, _, detail) = error else { Issue.record("\(error)"); return }
            #expect(source.hasSuffix("monkey12.jpg") && detail.contains("precision 12"))
        }
    }

    @Test func brokenICCProfilesStillDecode() throws {
        let folder = Self.root + "/jpeg-decoder/icc"
        let files = TestPaths.files(in: folder, extensions: ["jpg", "jpeg"])
        #expect(files.count == 5)
        for name in files { _ = try Image(contentsOf: folder + "/" + name) }
    }

    /// Every malformed file ends in an error or a complete image: no crash, no hang.
    @Test func malformedFilesFailCleanly() throws {
        let folder = Self.root + "/jpeg-decoder/crashtest"
        var decoded = 0, refused = 0
        for name in TestPaths.files(in: folder, extensions: ["jpg", "jpeg"]) {
            do { _ = try Image(contentsOf: folder + "/" + name); decoded += 1 } catch {
                #expect(error.description.contains(name), "the error names the file")
                refused += 1
            }
        }
        #expect(decoded + refused == 111)
        #expect(refused >= 100, "truncated and damaged files are refused")
        print("JPEG crashtests: \(refused) refused with an error, \(decoded) decoded completely")
    }
}

/// Reads a binary PPM (P6, 8-bit), the reference format of libjpeg-turbo's test images.
func readPPM(_ path: String) throws -> Image {
    let bytes = try FileAccess.readAll(path)
    var fields: [String] = [], i = 0
    while fields.count < 4, i < bytes.count {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        var token = ""
        while i < bytes.count, !(bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09) {
            token.append(Character(UnicodeScalar(bytes[i]))); i += 1
        }
        fields.append(token)
    }
    i += 1
    guard fields.first == "P6", let w = Int(fields[1]), let h = Int(fields[2]) else { throw ImageIOError.unrecognizedFormat(source: path) }
    return try Image(width: w, height: h, layout: .rgb, samples: bytes[i..<(i + w * h * 3)].map(UInt16.init))
}
