import Foundation
import Testing
@testable import GANKit

/// `gantool eval train-classifier` and `gantool eval generate` on tiny uncompressed IDX files.
struct EvalCommandTests {
    /// Writes 50 random 28×28 images with labels 0...9 as both IDX splits into `folder`.
    static func writeTinySplits(into folder: String) throws {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let n = 50
        let pixels = (0..<(n * 784)).map { UInt8(($0 * 37) % 256) }
        for prefix in ["train", "t10k"] {
            try Data(be(2051) + be(UInt32(n)) + be(28) + be(28) + pixels).write(to: URL(fileURLWithPath: "\(folder)/\(prefix)-images-idx3-ubyte"))
            try Data(be(2049) + be(UInt32(n)) + (0..<n).map { UInt8($0 % 10) }).write(to: URL(fileURLWithPath: "\(folder)/\(prefix)-labels-idx1-ubyte"))
        }
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainClassifierThenEvaluate() throws {
        let dir = try ScratchFolder()
        try Self.writeTinySplits(into: dir.path)
        let model = dir.path + "/model", classifier = dir.path + "/classifier"
        let trained = try CommandLineTests.run(["train", "cgan", "--mnist", dir.path, "-o", model, "--batch-size", "4", "--width", "4",
                                                "--latent-size", "8", "--steps", "1"])
        #expect(trained.status == 0)
        let fit = try CommandLineTests.run(["eval", "train-classifier", "--mnist", dir.path, "-o", classifier, "--epochs", "1"])
        #expect(fit.status == 0 && fit.stdout.contains("test accuracy"))
        #expect(dir.listing("classifier").contains("classifier.safetensors") && dir.listing("classifier").contains("classifier.json"))

        let table = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", classifier, "--mnist", dir.path,
                                              "--samples-per-class", "10"])
        #expect(table.status == 0 && table.stdout.contains("FID") && table.stdout.contains("goals met"))
        let json = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", classifier, "--mnist", dir.path,
                                             "--samples-per-class", "10", "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["step"] as? Int == 1)
        #expect((object?["perClassRecall"] as? [Double])?.count == 10)
        #expect(object?["fid"] is Double && object?["fidFloor"] is Double && object?["labelAccuracy"] is Double)
        #expect(object?["truncation"] == nil)
        // Truncated latents: other samples, so another FID, and the report says so.
        let truncated = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", classifier, "--mnist", dir.path,
                                                  "--samples-per-class", "10", "--json", "--truncation", "0.5"])
        let truncatedObject = try JSONSerialization.jsonObject(with: Data(truncated.stdout.utf8)) as? [String: Any]
        #expect((truncatedObject?["truncation"] as? Double) == 0.5)
        #expect(truncatedObject?["fid"] as? Double != object?["fid"] as? Double)
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--truncation", "0"]).status != 0)
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--truncation", "1", "--record"]).stderr.contains("untruncated"))
        // Discriminator rejection: other samples, the report says so; needs a checkpoint's discriminator.
        let rejected = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", classifier, "--mnist", dir.path,
                                                 "--samples-per-class", "10", "--json", "--rejection", "0.5"])
        let rejectedObject = try JSONSerialization.jsonObject(with: Data(rejected.stdout.utf8)) as? [String: Any]
        #expect((rejectedObject?["rejection"] as? Double) == 0.5 && object?["rejection"] == nil, "\(rejected.stderr)")
        #expect(rejectedObject?["fid"] as? Double != object?["fid"] as? Double)
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--rejection", "1"]).stderr.contains("--rejection must be in [0, 1)"))
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--rejection", "0.2", "--record"]).stderr.contains("drop --rejection"))
        #expect(try CommandLineTests.run(["export", model, "--name", "tiny", "--models", dir.path + "/models"]).status == 0)
        let modelFolder = try CommandLineTests.run(["eval", "generate", "--model", "tiny", "--models", dir.path + "/models", "--classifier", classifier,
                                                    "--mnist", dir.path, "--samples-per-class", "10", "--rejection", "0.2"])
        #expect(modelFolder.status == 64 && modelFolder.stderr.contains("is a model folder, which keeps only the generator"), "\(modelFolder.stderr)")

        let standing = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", classifier, "--mnist", dir.path,
                                                 "--samples-per-class", "10", "--standing-statistics", "3"])
        #expect(standing.status == 0 && standing.stderr.contains("recomputed over 3 batches") && standing.stdout.contains("FID"))
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--standing-statistics", "0"]).status != 0)
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--standing-statistics", "3", "--record"]).stderr.contains("export --standing-statistics"))
        let missing = try CommandLineTests.run(["eval", "generate", "--model", model, "--classifier", dir.path + "/none", "--mnist", dir.path])
        #expect(missing.status == 1 && missing.stderr.contains("no trained classifier"))
        #expect(try CommandLineTests.run(["eval", "generate", "--model", model, "--samples-per-class", "1"]).status != 0)
    }

    @Test func defaultClassifierFolderIsNamedAfterTheData() {
        #expect(ConditionalEvaluation.defaultClassifierDirectory(dataDirectory: "/data/fashion-mnist/").hasSuffix("/gankit/classifiers/fashion-mnist"))
        #expect(ConditionalEvaluation.defaultClassifierDirectory(dataDirectory: "../shared/data/mnist").hasSuffix("/gankit/classifiers/mnist"))
    }
}
