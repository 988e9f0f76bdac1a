import Foundation
import Testing
@testable import GANKit

/// Checkpoints saved by an earlier gantool (Fixtures/checkpoints, written by tools/make_checkpoint_fixtures.sh with the
/// release before the trainers shared one loop) resume with today's code: each trainer continues its 2-step
/// checkpoint to step 3 and saves there.
@Suite(.serialized) struct CheckpointCompatibilityTests {
    static let fixtures = RepositoryPaths.root + "/Fixtures/checkpoints"

    /// A copy of the fixture `run` in `dir`, so that resuming does not touch the committed files.
    static func copy(_ run: String, into dir: ScratchFolder) throws -> String {
        let destination = dir.path + "/" + run
        try FileManager.default.copyItem(atPath: fixtures + "/" + run, toPath: destination)
        return destination
    }

    /// The `step` of a JSON state file.
    static func step(_ path: String) throws -> Int? {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return object?["step"] as? Int
    }

    static func resume(_ arguments: [String]) throws -> CommandLineTests.Result {
        let result = try CommandLineTests.run(arguments)
        // "resumed RUN at step 2" (pix2pix, inpainting, label GAN) or "..., from step 2; run folder RUN" (CycleGAN).
        #expect(result.status == 0 && (result.stderr.contains("resumed") && result.stderr.contains("at step 2") || result.stderr.contains("from step 2;")),
                "\(result.stderr)")
        return result
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func pix2pixAndInpaintingResume() throws {
        let dir = try ScratchFolder()
        let pairs = try Pix2PixCommandTests.pictures(dir, "pairs", width: 64, height: 32)
        let pix2pix = try Self.copy("pix2pix", into: dir)
        _ = try Self.resume(["train", "pix2pix", "--pairs", pairs, "--name", "fixture", "--out", pix2pix, "--resume", "--steps", "3",
                             "--size", "32", "--ngf", "2", "--ndf", "2", "--discriminator-layers", "2"])
        #expect(try Self.step(pix2pix + "/state.json") == 3)
        #expect(dir.listing("pix2pix").contains("generator-00000003.safetensors"))

        let photos = try Pix2PixCommandTests.pictures(dir, "photos", width: 22, height: 26)
        let inpaint = try Self.copy("inpaint", into: dir)
        _ = try Self.resume(["train", "inpaint", "--images", photos, "--name", "fixture", "--out", inpaint, "--resume", "--steps", "3",
                             "--size", "16", "--cnum", "2", "--ndf", "2", "--discriminator-layers", "3", "--batch", "2"])
        #expect(try Self.step(inpaint + "/state.json") == 3)
        #expect(dir.listing("inpaint").contains("generator-00000003.safetensors"))
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func labelGANAndCycleGANResume() throws {
        let dir = try ScratchFolder()
        for k in 0..<3 {
            _ = try dir.image("classes/light/\(k).png", width: 8, height: 8, value: UInt16(200 + 10 * k))
            _ = try dir.image("classes/dark/\(k).png", width: 8, height: 8, value: UInt16(30 + 10 * k))
        }
        let cgan = try Self.copy("cgan", into: dir)
        _ = try Self.resume(["train", "cgan", "--folders", dir.path + "/classes", "--channels", "3", "-o", cgan, "--resume", "--steps", "3"])
        #expect(try Self.step(cgan + "/state.json") == 3)

        let a = try Pix2PixCommandTests.pictures(dir, "A", width: 24, height: 24)
        let b = try Pix2PixCommandTests.pictures(dir, "B", width: 24, height: 24)
        let cyclegan = try Self.copy("cyclegan", into: dir)
        _ = try Self.resume(["train", "cyclegan", "--a", a, "--b", b, "--name", "fixture", "--out", cyclegan, "--resume", "--max-steps", "1",
                             "--size", "24", "--ngf", "2", "--blocks", "1"])
        #expect(try Self.step(cyclegan + "/checkpoints/step-000000003/state.json") == 3)
    }

    @Test func verifyKnowsEveryKind() {
        for (run, kind) in [("pix2pix", CheckpointReport.Kind.pix2pix), ("inpaint", .inpaint), ("cgan", .cgan), ("cyclegan", .cyclegan)] {
            let report = CheckpointVerification.verify(Self.fixtures + "/" + run)
            #expect(report.kind == kind && report.isValid && report.checkpoints.first?.step == 2, "\(report.text)")
        }
    }
}
