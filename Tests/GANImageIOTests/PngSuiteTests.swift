import Foundation
import Testing
@testable import GANImageIO

/// Every PngSuite file (and the image-rs regression files) against pixel digests that
/// tools/make_pngsuite_reference.py computed with pypng, a decoder independent of libpng.
@Suite(.enabled(if: TestPaths.dataAvailable("pngsuite"), TestPaths.dataMissingMessage))
struct PngSuiteTests {
    struct Row { let file, status, layout: String; let width, height, bits: Int; let digest: String }

    static func reference() throws -> [Row] {
        let text = try String(contentsOfFile: TestPaths.fixtures + "/pngsuite-reference.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t").map(String.init)
            return Row(file: f[0], status: f[1], layout: f[4], width: Int(f[2]) ?? 0, height: Int(f[3]) ?? 0,
                       bits: Int(f[5]) ?? 0, digest: f[6])
        }
    }

    @Test func everyFileDecodesToTheReferencePixelsOrIsRejected() throws {
        let rows = try Self.reference()
        #expect(rows.count >= 190)
        var decoded = 0, rejected = 0
        let raw = DecodeOptions(appliesOrientation: false)
        for row in rows {
            let path = TestPaths.data + "/pngsuite/" + row.file
            if row.status == "fail" {
                #expect(throws: ImageIOError.self, "\(row.file) is corrupt and must be rejected") {
                    try Image(contentsOf: path, options: raw)
                }
                rejected += 1
                continue
            }
            let image: Image
            do { image = try Image(contentsOf: path, options: raw) } catch {
                Issue.record("\(row.file) must decode: \(error)")
                continue
            }
            #expect(image.width == row.width && image.height == row.height, "\(row.file) size")
            #expect(image.layout.rawValue == row.layout, "\(row.file) layout \(image.layout) vs \(row.layout)")
            #expect(image.sampleType.bitDepth == row.bits, "\(row.file) bit depth")
            #expect(sha256Hex(canonicalBytes(image)) == row.digest, "\(row.file) pixels differ from the reference")
            decoded += 1
        }
        #expect(decoded == rows.filter { $0.status == "ok" }.count)
        print("PngSuite: \(decoded) decoded to the reference pixels, \(rejected) rejected as corrupt")
    }

    @Test func corruptFilesNameTheFileAndTheProblem() throws {
        let path = TestPaths.data + "/pngsuite/xcrn0g04.png"
        do {
            _ = try Image(contentsOf: path)
            Issue.record("xcrn0g04.png decoded")
        } catch {
            #expect(error.description.contains("xcrn0g04.png"))
            #expect(error.description.count > path.count + 10)
        }
    }
}
