import Foundation
import GANCore
import Testing
@testable import GANKit

/// `gantool train inpaint` end to end on synthetic photos: exact resume through the CLI, the run folder's files, the
/// model folder it writes, and option checks.
struct InpaintTrainCommandTests {
    static let tiny = ["--size", "16", "--cnum", "4", "--ndf", "4", "--discriminator-layers", "3", "--batch", "2", "--sample-every", "2"]

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainResumeExactlyAndLoad() throws {
        let dir = try ScratchFolder()
        let photos = try Pix2PixCommandTests.pictures(dir, "photos", width: 22, height: 26)
        let common = ["train", "inpaint", "--images", photos, "--name", "tiny", "--steps", "4"] + Self.tiny
        let cut = try CommandLineTests.run(common + ["--out", dir.path + "/cut", "--max-steps", "2"])
        #expect(cut.status == 0 && cut.stderr.contains("step 2: checkpoint") && cut.stderr.contains("steps/s"))
        #expect(try CommandLineTests.run(common + ["--out", dir.path + "/cut"]).status == 1)   // a checkpoint, no --resume
        let resumed = try CommandLineTests.run(common + ["--out", dir.path + "/cut", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed") && resumed.stderr.contains("step 4/4"))
        #expect(try CommandLineTests.run(common + ["--out", dir.path + "/straight"]).status == 0)
        #expect(try Pix2PixCommandTests.losses(dir.path + "/cut/loss_log.csv") == Pix2PixCommandTests.losses(dir.path + "/straight/loss_log.csv"))
        #expect(try Pix2PixCommandTests.losses(dir.path + "/cut/loss_log.csv").count == 5)
        #expect(FileManager.default.contentsEqual(atPath: dir.path + "/cut/model/generator.safetensors",
                                                  andPath: dir.path + "/straight/model/generator.safetensors"))
        let listing = dir.listing("cut")
        for name in ["state.json", "generator-00000004.safetensors", "loss_curve.png", "loss_log.csv"] { #expect(listing.contains(name), "\(name)") }
        #expect(dir.listing("cut/samples").contains("latest.png") && dir.listing("cut/model").contains("manifest.json"))
        let model = try InpaintingModel(folder: dir.path + "/cut/model")
        #expect(model.manifest.format == "gankit-inpaint/1" && model.manifest.trainingSteps == 4 && model.manifest.name == "tiny")
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func optionsAreChecked() throws {
        let dir = try ScratchFolder()
        let photos = try Pix2PixCommandTests.pictures(dir, "photos")
        for bad in [["--size", "18"], ["--cnum", "5"], ["--gan-weight", "0", "--l1-weight", "0"], ["--on-nonfinite", "retry"], ["--batch", "0"], ["--loss", "wasserstein"]] {
            let result = try CommandLineTests.run(["train", "inpaint", "--images", photos, "--name", "x", "--out", dir.path + "/bad"] + bad)
            #expect(result.status != 0, "\(bad)")
        }
        let help = try CommandLineTests.run(["train", "inpaint", "--help"])
        #expect(help.status == 0 && help.stdout.contains("gantool train inpaint --images"))
    }
}
