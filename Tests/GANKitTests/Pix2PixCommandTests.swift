import Foundation
import GANCore
import Testing
@testable import GANKit

/// `gantool train pix2pix`, `generate --from`, `eval colorize` and the `ConditionalGenerator` facade on synthetic images.
struct Pix2PixCommandTests {
    /// Writes `count` synthetic RGB images (`width`×`height`) into `dir/sub`.
    static func pictures(_ dir: ScratchFolder, _ sub: String, count: Int = 3, width: Int = 48, height: Int = 40) throws -> String {
        let folder = dir.path + "/" + sub
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for k in 0..<count {
            var samples = [UInt16]()
            for y in 0..<height { for x in 0..<width {
                let square = (10...25).contains(x % (width / 2 + 1)) && (8...24).contains(y)
                samples += [UInt16((x * 5 + k * 50) % 256), UInt16((y * 6) % 256), square ? 240 : UInt16(40 * k % 256)]
            } }
            try Image(width: width, height: height, layout: .rgb, samples: samples).write(to: "\(folder)/p\(k).png")
        }
        return folder
    }

    static let tiny = ["--size", "32", "--ngf", "4", "--ndf", "4", "--discriminator-layers", "2", "--sample-every", "2"]

    /// Rows of a loss log without the seconds column.
    static func losses(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != 2 }.map(\.element).joined(separator: ",")
        }
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func trainPairsResumeExactly() throws {
        let dir = try ScratchFolder()
        let pairs = try Self.pictures(dir, "pairs", width: 64, height: 32)
        let common = ["train", "pix2pix", "--pairs", pairs, "--name", "ab", "--steps", "4", "--loss", "lsgan"] + Self.tiny
        let cut = try CommandLineTests.run(common + ["--out", dir.path + "/cut", "--max-steps", "2"])
        #expect(cut.status == 0 && cut.stderr.contains("step 2: checkpoint"))
        #expect(try CommandLineTests.run(common + ["--out", dir.path + "/cut"]).status == 1)   // a checkpoint, no --resume
        let resumed = try CommandLineTests.run(common + ["--out", dir.path + "/cut", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed") && resumed.stderr.contains("step 4/4"))
        #expect(try CommandLineTests.run(common + ["--out", dir.path + "/straight"]).status == 0)
        #expect(try Self.losses(dir.path + "/cut/loss_log.csv") == Self.losses(dir.path + "/straight/loss_log.csv"))
        #expect(try Self.losses(dir.path + "/cut/loss_log.csv").count == 5)
        #expect(FileManager.default.contentsEqual(atPath: dir.path + "/cut/model/generator.safetensors",
                                                  andPath: dir.path + "/straight/model/generator.safetensors"))
        let listing = dir.listing("cut")
        for name in ["state.json", "generator-00000004.safetensors", "loss_curve.png", "loss_log.csv"] { #expect(listing.contains(name), "\(name)") }
        #expect(dir.listing("cut/samples").contains("latest.png") && dir.listing("cut/model").contains("manifest.json"))
        let state = try String(contentsOfFile: dir.path + "/cut/state.json", encoding: .utf8)
        #expect(state.contains("\"lsgan\"") && state.contains("\"pairs\""))
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func optionsAreCheckedAndRecorded() throws {
        let dir = try ScratchFolder()
        let photos = try Self.pictures(dir, "photos")
        for bad in [["--loss", "wasserstein"], ["--size", "48"], ["--gan-weight", "0", "--l1-weight", "0"], ["--norm", "group"],
                    ["--on-nonfinite", "retry"]] {
            let result = try CommandLineTests.run(["train", "pix2pix", "--task", "colorize", "--images", photos, "--name", "x", "--out", dir.path + "/bad"] + bad)
            #expect(result.status != 0, "\(bad)")
        }
        #expect(try CommandLineTests.run(["train", "pix2pix", "--task", "paint", "--images", photos, "--name", "x"]).status != 0)
        #expect(try CommandLineTests.run(["train", "pix2pix", "--pairs", photos, "--task", "edges", "--name", "x"]).status != 0)
        for loss in ["minimax", "nonsaturating", "hinge"] {
            let out = dir.path + "/" + loss
            let run = try CommandLineTests.run(["train", "pix2pix", "--task", "edges", "--images", photos, "--name", loss, "--out", out,
                                                "--steps", "1", "--loss", loss] + Self.tiny)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try String(contentsOfFile: out + "/model/manifest.json", encoding: .utf8).contains("\"\(loss)\""))
        }
        let l1 = try CommandLineTests.run(["train", "pix2pix", "--task", "colorize", "--images", photos, "--name", "l1", "--out", dir.path + "/l1",
                                           "--steps", "2", "--l1-only"] + Self.tiny)
        #expect(l1.status == 0 && l1.stderr.contains("L1 only"))
        let manifest = try ImageConditionalModels.load(dir.path + "/l1/model").manifest
        #expect(manifest.ganWeight == 0 && manifest.trainingSteps == 2 && manifest.task == .colorize && manifest.configuration.inputChannels == 1)
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func generateFromAnySizeEvalAndFacade() throws {
        let dir = try ScratchFolder()
        let photos = try Self.pictures(dir, "photos")
        try FileManager.default.createDirectory(atPath: dir.path + "/models", withIntermediateDirectories: true)
        for name in ["color", "color-l1"] {
            let run = try CommandLineTests.run(["train", "pix2pix", "--task", "colorize", "--images", photos, "--name", name,
                                                "--out", dir.path + "/runs/" + name, "--steps", "2"] + Self.tiny + (name == "color" ? [] : ["--l1-only"]))
            #expect(run.status == 0)
            if name == "color" {   // exported (F16), the baseline moved as it is
                let export = try CommandLineTests.run(["export", dir.path + "/runs/color", "--name", "color", "--models", dir.path + "/models", "--fp16"])
                #expect(export.status == 0 && export.stdout.contains("pix2pix model color (F16)"))
                #expect(try CommandLineTests.run(["export", dir.path + "/runs/color", "--name", "color", "--models", dir.path + "/models"]).status == 1)
            } else {
                try FileManager.default.moveItem(atPath: dir.path + "/runs/\(name)/model", toPath: dir.path + "/models/" + name)
            }
        }
        try Image(width: 37, height: 23, layout: .rgb, filledWith: 100).write(to: dir.path + "/odd.png")
        let one = try CommandLineTests.run(["generate", "--model", "color", "--models", dir.path + "/models", "--from", dir.path + "/odd.png",
                                            "-o", dir.path + "/odd-out.png"])
        #expect(one.status == 0)
        let info = try ImageInfo(contentsOf: dir.path + "/odd-out.png")
        #expect(info.width == 37 && info.height == 23)
        let folder = try CommandLineTests.run(["generate", "--model", dir.path + "/models/color", "--from", photos, "-o", dir.path + "/out", "--json"])
        #expect(folder.status == 0 && folder.stdout.contains("\"done\" : 3"))
        #expect(try CommandLineTests.run(["generate", "--model", "nothing", "--models", dir.path + "/models", "--from", photos, "-o", dir.path + "/o2"]).status == 1)
        #expect(try CommandLineTests.run(["generate", "--model", "color", "--from", photos, "--label", "1", "-o", dir.path + "/o3"]).status != 0)

        let eval = try CommandLineTests.run(["eval", "colorize", "--model", "color", "--baseline", "color-l1", "--models", dir.path + "/models",
                                             "--images", photos, "--json"])
        #expect(eval.status == 0)
        let result = try JSONDecoder().decode(ColorizeEvaluation.self, from: Data(eval.stdout.utf8))
        #expect(result.images == 3 && result.scores.map(\.method) == ["gray input", "color", "color-l1", "real photos"] && result.goalMet != nil)
        #expect(result.scores[0].meanChroma < 0.01 && result.scores[3].meanChroma > 5)
        let table = try CommandLineTests.run(["eval", "colorize", "--model", dir.path + "/models/color", "--images", photos, "--limit", "2", "--record"])
        #expect(table.status == 0 && table.stdout.contains("gray input") && table.stdout.contains("real photos"))
        let manifest = try String(contentsOfFile: dir.path + "/models/color/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"evaluation\"") && manifest.contains("\"colorize\"") && manifest.contains("\"meanChroma\""))
        #expect(try ImageConditionalModels.load(dir.path + "/models/color").manifest.name == "color")

        // The facade: by name, deterministic, the same from 8 threads, typed errors.
        let generator = try ConditionalGenerator(named: "color", models: dir.path + "/models")
        #expect(generator.kind == .image(task: .colorize))
        let inputs = try (0..<8).map { k in try ConcurrencyTests.picture(k, width: 30 + k, height: 20 + 2 * k) }
        let serial = try inputs.map { try generator.generate(from: $0, seed: 1) }
        #expect(serial.enumerated().allSatisfy { $1.width == 30 + $0 && $1.height == 20 + 2 * $0 })
        #expect(try generator.generate(from: inputs[3], seed: 9) == serial[3])
        let parallel = ConcurrencyTests.concurrently { k in try generator.generate(from: inputs[k], seed: 1) }
        for (k, result) in parallel.enumerated() { #expect((try? result.get()) == serial[k], "thread \(k)") }
        #expect(throws: ConditionalGeneratorError.self) { try generator.generate(label: 1) }
        #expect(throws: ConditionalGeneratorError.self) { try ConditionalGenerator(named: "missing", models: dir.path + "/models") }
    }

    /// A run whose generator gets a NaN weight before step `nanStep` (once).
    static func nanRun(_ dir: ScratchFolder, policy: NonFinitePolicy, nanStep: Int) throws -> Pix2PixTrainingRun {
        let photos = try pictures(dir, "photos")
        var run = Pix2PixTrainingRun(dataDirectory: photos, task: .colorize, name: "nan", runFolder: dir.path + "/run", steps: 6)
        run.configuration = Pix2PixConfiguration(ngf: 4, ndf: 4, depth: 5, discriminatorLayers: 2, imageSize: 32)
        run.schedule.checkpointEvery = 2
        run.schedule.onNonFinite = policy
        run.schedule.handlesSignals = false
        run.schedule.progress = { _ in }
        let injected = NSLock(), done = FlagBox()
        run.beforeStep = { trainer in
            injected.withLock {
                guard trainer.step + 1 == nanStep, !done.value else { return }
                done.value = true
                let weight = trainer.generator.namedParameters()[0].parameter
                var value = weight.value
                value.scalars[0] = .nan
                weight.value = value
            }
        }
        return run
    }

    @Test func nonFiniteStopsOrRollsBack() throws {
        let dir = try ScratchFolder()
        do {
            try Self.nanRun(dir, policy: .stop, nanStep: 3).run()
            Issue.record("a NaN went unnoticed")
        } catch let error as NonFiniteTrainingError {
            #expect(error.step == 3 && error.lastGoodStep == 2 && error.lastGoodCheckpoint == dir.path + "/run")
        }
        #expect(!dir.listing("run").contains { $0.contains("00000003") })
        let again = try ScratchFolder()
        let outcome = try Self.nanRun(again, policy: .rollback, nanStep: 3).run()
        #expect(outcome == .finished)
        let state = try String(contentsOfFile: again.path + "/run/state.json", encoding: .utf8)
        #expect(state.contains("\"redrawnSteps\" : [\n    3\n  ]") && state.contains("\"step\" : 6"))
        #expect(try Self.losses(again.path + "/run/loss_log.csv").count == 7)
    }
}

private final class FlagBox: @unchecked Sendable { var value = false }
