import Foundation
import Testing
import GANConditional
import GANCore
import GANTranslation
@testable import GANKit

/// The inputs the fuzzers found (tools/fuzz.sh, docs/RELIABILITY.md), replayed through the readers their fuzz target
/// drives: every file in Fixtures/fuzz/TARGET must read or fail with the reader's typed error, never trap.
/// Inputs whose fix is a specific refusal also say which (`expectedRefusals`).
@Suite struct FuzzRegressionTests {
    static let directory = RepositoryPaths.root + "/Fixtures/fuzz"

    /// The fuzz targets of tools/fuzz, one folder of regression inputs each.
    static let targets = ["image", "mask", "safetensors", "pth", "manifest"]

    /// What the fix of an input makes its reader say (file name -> a check of the error's description).
    static let expectedRefusals: [String: String] = [
        "oversized-exif-chunk.png": "chunk data is too large",
        "expand-view.pth": "plus earlier tensors",  // refused by the element budget before the view check
        "expand-view-legacy.pth": "plus earlier tensors",
        "negative-resnet-blocks.json": "resnetBlocks must be in",
    ]

    /// The image decode limit of the image and mask fuzz targets (tools/fuzz/Sources/FuzzSupport).
    static let options = DecodeOptions(maxPixels: 1 << 20)

    static func inputs(_ target: String) throws -> [String] {
        let folder = directory + "/" + target
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func everyInputBelongsToATarget() throws {
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: Self.directory, isDirectory: &isFolder) && isFolder.boolValue,
                "Fixtures/fuzz is missing")
        for entry in try FileManager.default.contentsOfDirectory(atPath: Self.directory) where !entry.hasPrefix(".") {
            #expect(entry == "README.md" || Self.targets.contains(entry), "Fixtures/fuzz/\(entry) is no fuzz target's folder")
        }
        for name in Self.expectedRefusals.keys {
            #expect(try Self.targets.contains { try Self.inputs($0).contains(name) }, "\(name) is missing from Fixtures/fuzz")
        }
    }

    @Test(arguments: FuzzRegressionTests.targets) func inputsReadOrFailTyped(target: String) throws {
        for name in try Self.inputs(target) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.directory + "/\(target)/\(name)")))
            let refusal = replay(target, bytes)
            if let expected = Self.expectedRefusals[name] {
                #expect(refusal?.contains(expected) == true, "\(target)/\(name): expected a refusal with '\(expected)', got \(refusal ?? "success")")
            }
        }
    }

    /// The generated seeds of tools/fuzz/seeds stay valid inputs as the formats change: every image decodes, every
    /// manifest is accepted by one of the readers.
    @Test func generatedSeedsAreValid() throws {
        let seeds = Self.directory.replacingOccurrences(of: "/Fixtures/fuzz", with: "/tools/fuzz/seeds")
        let images = try FileManager.default.contentsOfDirectory(atPath: seeds + "/image").sorted()
        let manifests = try FileManager.default.contentsOfDirectory(atPath: seeds + "/manifest").sorted()
        #expect(!images.isEmpty && !manifests.isEmpty)
        for name in images {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/image/" + name)))
            #expect(throws: Never.self, "image seed \(name)") { _ = try Image(bytes: bytes, source: name) }
        }
        for name in manifests {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/manifest/" + name)))
            let accepted = (try? TranslationManifest(jsonBytes: bytes)) != nil || (try? Pix2PixModel.readManifest(bytes: bytes)) != nil
                || (try? ConditionalGANTrainer.readState(bytes: bytes)) != nil
            #expect(accepted, "manifest seed \(name) is accepted by no reader")
        }
    }

    /// Runs `bytes` through `target`'s readers; returns the first refusal's description, nil when all read. Untyped
    /// errors fail the test; traps crash it.
    func replay(_ target: String, _ bytes: [UInt8]) -> String? {
        switch target {
        case "image":
            var refusal: String?
            do { _ = try ImageInfo(bytes: bytes) } catch { refusal = error.description }
            do {
                let image = try Image(bytes: bytes, source: "<fuzz>", options: Self.options)
                if image.width * image.height <= 65_536 { _ = try image.encoded(as: .png) }
            } catch { refusal = refusal ?? error.description }
            return refusal
        case "mask":
            let image: Image
            do { image = try Image(bytes: bytes, source: "<fuzz>", options: Self.options) } catch { return error.description }
            let mask = Mask(image: image)
            #expect(mask.isHole.count == image.width * image.height)
            do {
                _ = try InpaintJob().loadMask(.alpha, for: image, imagePath: "<fuzz>")
                return nil
            } catch let error as ImageIOError {
                return error.description
            } catch let error as InpaintFileError {
                return error.description
            } catch {
                Issue.record("untyped error from loadMask: \(error)")
                return "\(error)"
            }
        case "safetensors":
            do {
                let file = try SafeTensors.read(bytes: bytes, fileName: "<fuzz>")
                _ = try StateDict(bytes: bytes, fileName: "<fuzz>")
                _ = try SafeTensors.encode(file.tensors, metadata: file.metadata)
                return nil
            } catch { return error.description }
        case "pth":
            do {
                _ = try TorchCheckpoint.read(bytes: bytes, fileName: "<fuzz>")
                _ = try StateDict(bytes: bytes, fileName: "<fuzz>")
                return nil
            } catch { return error.description }
        case "manifest":
            var refusal: String?
            do { _ = try TranslationManifest(jsonBytes: bytes) } catch { refusal = error.description }
            do { _ = try Pix2PixModel.readManifest(bytes: bytes) } catch { refusal = refusal ?? error.description }
            do { _ = try ConditionalGANTrainer.readState(bytes: bytes) } catch { refusal = refusal ?? error.description }
            return refusal
        default:
            Issue.record("no reader for target \(target)")
            return nil
        }
    }
}
