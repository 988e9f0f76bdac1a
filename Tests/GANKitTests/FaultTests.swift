import Foundation
import Testing
import GANCore
import GANTranslation
import GANConditional
@testable import GANKit
#if canImport(Glibc)
import Glibc
#endif

// Faults: processes killed with SIGKILL, full and read-only disks, NaN in training (docs/RELIABILITY.md, "Faults").

/// A gantool process in the background, its stderr going to a file.
final class BackgroundTool {
    let process = Process()
    let stderrPath: String

    init(_ arguments: [String], stderr: String) throws {
        stderrPath = stderr
        FileManager.default.createFile(atPath: stderr, contents: nil)
        process.executableURL = URL(fileURLWithPath: try #require(CommandLineTests.tool, "build gantool first (swift build)"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL, then waits for the process to be gone.
    func kill() {
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// A small deterministic random source for test data and kill delays.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    /// Uniform in `range`.
    mutating func seconds(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next() % 10_000) / 10_000
    }
}

/// A w x h RGB image of smooth gradients shifted by `phase`.
func gradientImage(_ w: Int, _ h: Int, phase: Int) throws -> Image {
    try Image(width: w, height: h, layout: .rgb, samples: (0..<(w * h * 3)).map { i in
        let p = i / 3, c = i % 3
        return UInt16((3 * (p % w) + 5 * (p / w) + 40 * c + 17 * phase) % 256)
    })
}

/// A w x h RGB image of noise, which PNG cannot compress: its file is about 3·w·h bytes.
func noiseImage(_ w: Int, _ h: Int, seed: UInt64) throws -> Image {
    var random = TestRandom(state: seed)
    return try Image(width: w, height: h, layout: .rgb, samples: (0..<(w * h * 3)).map { _ in UInt16(random.next() % 256) })
}

/// A grey mask with a `side` x `side` hole at (x, y).
func squareMask(_ w: Int, _ h: Int, x: Int, y: Int, side: Int) throws -> Image {
    try Image(width: w, height: h, layout: .gray, samples: (0..<(w * h)).map { p in
        (x..<(x + side)).contains(p % w) && (y..<(y + side)).contains(p / w) ? 255 : 0
    })
}

extension ScratchFolder {
    /// Writes `image` at `name` (folders made as needed) and returns the path.
    @discardableResult
    func write(_ image: Image, _ name: String) throws -> String {
        let path = self.path + "/" + name
        try OutputPlan.prepareFolder(for: path)
        try image.write(to: path)
        return path
    }
}

// MARK: - Batches killed midway

/// `gantool translate` and `gantool inpaint` batches killed with SIGKILL midway, then rerun with --skip-existing:
/// every output is whole and byte-identical to an uninterrupted run's, and no temporary file is left.
/// (`KilledBatchTests` in CommandLineTests.swift does the same for `gantool convert`.)
struct KilledBatchFamilyTests {
    /// Runs `arguments` to `reference/` uninterrupted, to `out/` killed once at least two outputs exist, then
    /// to `out/` again with --skip-existing; compares.
    static func killMidwayAndRerun(_ arguments: [String], count: Int, in dir: ScratchFolder) throws {
        let reference = try CommandLineTests.run(arguments + ["-o", dir.path + "/reference", "-q"])
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(dir.listing("reference").count == count)

        let killed = try BackgroundTool(arguments + ["-o", dir.path + "/out", "-q"], stderr: dir.path + "/killed.txt")
        let deadline = Date().addingTimeInterval(30)
        while killed.isRunning && dir.listing("out").filter({ !$0.hasPrefix(".") }).count < 2 && Date() < deadline { usleep(1_000) }
        killed.kill()
        let survivors = dir.listing("out").filter { !$0.hasPrefix(".") }
        print("\(arguments[0]): killed after \(survivors.count) of \(count) outputs")
        #expect(survivors.count < count, "the kill landed before the batch finished")
        for name in survivors { #expect(throws: Never.self) { try Image(contentsOf: dir.path + "/out/" + name) } }

        let rerun = try CommandLineTests.run(arguments + ["-o", dir.path + "/out", "--skip-existing", "--json", "-q"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(rerun.stdout.utf8))
        #expect(summary.skipped == survivors.count && summary.done == count - survivors.count)
        #expect(dir.listing("out") == dir.listing("reference"), "every output there, no temporary file left")
        for name in dir.listing("reference") {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/reference/" + name))
            #expect(a == b, "\(name) differs from the uninterrupted run")
        }
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func translateBatch() throws {
        let dir = try ScratchFolder()
        var options = CycleGANOptions()
        options.ngf = 4; options.ndf = 4; options.resnetBlocks = 1
        try TranslationModel.export(CycleGANModel(options: options, seed: 3),
                                    manifest: TranslationManifest(name: "tiny", domainA: "horses", domainB: "zebras", options: options),
                                    to: dir.path + "/models/tiny")
        let count = 16
        for k in 0..<count { try dir.write(gradientImage(128, 96, phase: k), String(format: "in/%02d.png", k)) }
        try Self.killMidwayAndRerun(["translate", dir.path + "/in", "--to", "zebras", "--models", dir.path + "/models"], count: count, in: dir)
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func inpaintBatch() throws {
        let dir = try ScratchFolder()
        let count = 16
        for k in 0..<count { try dir.write(gradientImage(160, 120, phase: k), String(format: "in/%02d.png", k)) }
        let mask = try dir.write(squareMask(160, 120, x: 50, y: 40, side: 28), "mask.png")
        try Self.killMidwayAndRerun(["inpaint", dir.path + "/in", "--masks", mask, "--method", "telea"], count: count, in: dir)
    }
}

// MARK: - Training killed at random moments

/// Training runs killed with SIGKILL at seeded random moments: after each kill every checkpoint on disk loads,
/// each restart with --resume starts from the latest one, and the last run finishes with every step logged once.
/// A kill comes a random 0-40 ms after the run has checkpointed a random number of steps more, so that it lands
/// anywhere in a step or a checkpoint save, on a fast machine or a slow one. tools/kill_trials.sh does the same
/// with 10 kills per family at random times.
struct KillTrialTests {
    /// Kills `train` `kills` times, checking the folder after each; then finishes it. `checkpointed()` reads the
    /// step of the latest checkpoint; `stride` is the checkpoint interval; `resumeLine(step)` is what a run resumed
    /// at `step` prints on stderr. Returns the final step.
    static func trial(_ train: [String], folder: String, kills: Int, stride: Int, seed: UInt64, needsResumeFlag: Bool,
                      checkpointed: () -> Int?, resumeLine: (Int) -> String, in dir: ScratchFolder) throws -> Int? {
        var random = TestRandom(state: seed)
        var latest: Int?
        for k in 0..<kills {
            let resume = latest != nil || !needsResumeFlag ? ["--resume"] : []
            let run = try BackgroundTool(train + resume, stderr: dir.path + "/kill-\(k).txt")
            let target = (latest ?? 0) + stride * (1 + Int(random.next() % 4))
            let deadline = Date().addingTimeInterval(120)
            while run.isRunning && (checkpointed() ?? 0) < target && Date() < deadline { usleep(2_000) }
            let extra = random.seconds(0...0.04)
            usleep(UInt32(extra * 1_000_000))
            guard run.isRunning else {
                Issue.record("kill \(k + 1): the run ended before it\n\(run.stderr)")
                return nil
            }
            run.kill()
            let report = CheckpointVerification.verify(folder)
            let now = report.checkpoints.first { $0.isLatest }?.step
            print("kill \(k + 1)/\(kills) \(String(format: "%.3f", extra)) s after checkpoint \(target): latest checkpoint "
                  + "\(now.map(String.init) ?? "none"), \(report.checkpoints.count) checkpoint(s), \(report.leftovers.count) leftover(s)")
            if let latest, run.stderr.contains("step") {
                #expect(run.stderr.contains(resumeLine(latest)), "kill \(k + 1): resumed from the latest checkpoint, step \(latest)\n\(run.stderr)")
            }
            #expect(report.isValid, "kill \(k + 1): \(report.text)")
            #expect((now ?? 0) >= target, "checkpoints only move forward")
            latest = now ?? latest
        }
        let final = try CommandLineTests.run(train + (latest != nil || !needsResumeFlag ? ["--resume"] : []))
        #expect(final.status == 0, "\(final.stderr)")
        if let latest { #expect(final.stderr.contains(resumeLine(latest))) }
        let report = CheckpointVerification.verify(folder)
        #expect(report.isValid && report.leftovers.isEmpty, "\(report.text)")
        return report.checkpoints.first { $0.isLatest }?.step
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func cycleGAN() throws {
        let dir = try ScratchFolder()
        for k in 0..<4 {
            try dir.write(gradientImage(32, 32, phase: k), "a/\(k).png")
            try dir.write(gradientImage(32, 32, phase: 9 + 2 * k), "b/\(k).png")
        }
        let run = dir.path + "/run"
        // 4 pairs x (4 + 4) epochs = 32 steps, a checkpoint after each; the kills come by step 12.
        let train = ["train", "cyclegan", "--a", dir.path + "/a", "--b", dir.path + "/b", "--name", "kill", "--out", run, "--size", "24",
                     "--ngf", "4", "--blocks", "1", "--epochs", "4", "--decay-epochs", "4", "--checkpoint-every", "1", "--sample-minutes", "0.005"]
        let checkpointed = { () -> Int? in
            guard let bytes = try? FileAccess.readAll(run + "/checkpoints/latest.json"),
                  let pointer = try? JSONDecoder().decode([String: String].self, from: Data(bytes)) else { return nil }
            return pointer["folder"].flatMap { Int($0.dropFirst(5)) }
        }
        let step = try Self.trial(train, folder: run, kills: 3, stride: 1, seed: 11, needsResumeFlag: true, checkpointed: checkpointed,
                                  resumeLine: { "from step \($0);" }, in: dir)
        #expect(step == 32)
        let rows = try String(contentsOfFile: run + "/loss_log.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.map { Int($0.prefix { $0 != "," })! } == Array(1...32), "every step logged once, in order")
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func conditionalGAN() throws {
        let dir = try ScratchFolder()
        for k in 0..<6 { try dir.write(gradientImage(16, 16, phase: 5 * k), "data/\(k % 2 == 0 ? "even" : "odd")/\(k).png") }
        let out = dir.path + "/model"
        // 300 steps, a checkpoint every 10; the kills come by step 120.
        let train = ["train", "cgan", "--folders", dir.path + "/data", "--channels", "3", "--image-size", "8", "-o", out, "--steps", "300",
                     "--batch-size", "4", "--width", "4", "--latent-size", "4", "--checkpoint-every", "10", "--log-every", "100"]
        let step = try Self.trial(train, folder: out, kills: 3, stride: 10, seed: 5, needsResumeFlag: false,
                                  checkpointed: { try? ConditionalGANTrainer.readState(from: out).step },
                                  resumeLine: { "resumed \(out) at step \($0)\n" }, in: dir)
        #expect(step == 300)
    }
}

// MARK: - Full and read-only disks

/// A tmpfs mounted over a folder for one test (tests run as root in CI); `unmount()` in a defer.
struct Tmpfs {
    let path: String

    /// Why a tmpfs cannot be mounted here, or nil when it can (tried once, on a scratch folder).
    static let unavailable: String? = {
        let probe = NSTemporaryDirectory() + "gankit-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return String(cString: strerror(errno)) }
        umount2(probe, 0)
        return nil
    }()

    static var available: Bool { unavailable == nil }
    static var skipMessage: Comment { "cannot mount a tmpfs here (\(unavailable ?? "")): needs root; full and read-only disk tests skipped" }

    /// Mounts a tmpfs of `size` ("1m", "96k") at `path` (made if needed), read-only if asked.
    init(at path: String, size: String, readOnly: Bool = false) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("tmpfs", path, "tmpfs", readOnly ? UInt(MS_RDONLY) : 0, "size=\(size)") == 0 else {
            throw GANKitError.cannotWrite(path: path, reason: "mount: \(String(cString: strerror(errno)))")
        }
    }

    /// Gives the file system another size (files stay).
    func resize(_ size: String) throws {
        guard mount("tmpfs", path, "tmpfs", UInt(MS_REMOUNT), "size=\(size)") == 0 else {
            throw GANKitError.cannotWrite(path: path, reason: "remount: \(String(cString: strerror(errno)))")
        }
    }

    func unmount() { umount2(path, Int32(MNT_DETACH)) }

    /// Every name under the mount, hidden ones included.
    var listing: [String] { ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).sorted() }
}

@Suite(.enabled(if: CommandLineTests.tool != nil && Tmpfs.available, Tmpfs.skipMessage))
struct FullDiskTests {
    /// Six 300x300 noise images (about 270 KB each as PNG): three fit on a 1 MB disk.
    func noiseInputs(_ dir: ScratchFolder) throws -> String {
        for k in 0..<6 { try dir.write(noiseImage(300, 300, seed: UInt64(k + 1)), String(format: "in/%02d.png", k)) }
        return dir.path + "/in"
    }

    /// The batch stopped at the first output that did not fit, named it and the problem, and left only whole files.
    func expectStoppedCleanly(_ result: CommandLineTests.Result, _ disk: Tmpfs, problem: String, verb: String) throws {
        #expect(result.status == 1)
        let error = result.stderr.split(separator: "\n").first { $0.contains("error:") }.map(String.init) ?? ""
        #expect(error.contains(disk.path + "/") && error.hasSuffix(": cannot write: \(problem)"), "\(result.stderr)")
        #expect(result.stderr.contains("stopping: the output disk is"), "\(result.stderr)")
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.done + summary.failed == 6 && summary.failed >= 1)
        #expect(summary.items.dropFirst(summary.done + 1).allSatisfy { $0.error?.contains("not processed: the output disk is") == true },
                "the items after the first failure were not tried")
        let files = disk.listing.filter { $0.hasSuffix(".png") }
        #expect(disk.listing.allSatisfy { !$0.hasPrefix(".") && !$0.contains("/.") }, "no temporary file left: \(disk.listing)")
        #expect(files.count == summary.done)
        for name in files { #expect(throws: Never.self) { try Image(contentsOf: disk.path + "/" + name) } }
        _ = verb
    }

    @Test func convertAndInpaintToAFullDisk() throws {
        let dir = try ScratchFolder()
        let inputs = try noiseInputs(dir)
        let disk = try Tmpfs(at: dir.path + "/full", size: "1m")
        defer { disk.unmount(); withExtendedLifetime(dir) {} }
        let convert = try CommandLineTests.run(["convert", inputs, "-o", disk.path + "/converted", "--json"])
        try expectStoppedCleanly(convert, disk, problem: "No space left on device", verb: "converted")

        try disk.resize("1m")
        for name in disk.listing.reversed() { try? FileManager.default.removeItem(atPath: disk.path + "/" + name) }
        let mask = try dir.write(squareMask(300, 300, x: 140, y: 140, side: 12), "mask.png")
        let inpaint = try CommandLineTests.run(["inpaint", inputs, "--masks", mask, "-o", disk.path + "/filled", "--json"])
        try expectStoppedCleanly(inpaint, disk, problem: "No space left on device", verb: "inpainted")
    }

    @Test func convertInpaintAndTrainIntoAReadOnlyFolder() throws {
        let dir = try ScratchFolder()
        let inputs = try noiseInputs(dir)
        let disk = try Tmpfs(at: dir.path + "/ro", size: "1m", readOnly: true)
        defer { disk.unmount(); withExtendedLifetime(dir) {} }
        for (arguments, target) in [(["convert", inputs, "-o", disk.path + "/"], disk.path + "/00.png"),
                                    (["convert", inputs, "-o", disk.path + "/sub/"], disk.path + "/sub")] {
            let result = try CommandLineTests.run(arguments + ["--json"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("[1/6] error: \(target): cannot write: ") && result.stderr.contains("Read-only file system"), "\(result.stderr)")
            #expect(result.stderr.contains("stopping: the output disk is read-only"))
        }
        let mask = try dir.write(squareMask(300, 300, x: 140, y: 140, side: 12), "mask.png")
        let inpaint = try CommandLineTests.run(["inpaint", inputs + "/00.png", mask, "-o", disk.path + "/filled.png"])
        #expect(inpaint.status == 1 && inpaint.stderr.contains("\(disk.path)/filled.png: cannot write: Read-only file system"), "\(inpaint.stderr)")

        for k in 0..<2 { try dir.write(gradientImage(32, 32, phase: k), "a/\(k).png"); try dir.write(gradientImage(32, 32, phase: 7 * k), "b/\(k).png") }
        let train = try CommandLineTests.run(["train", "cyclegan", "--a", dir.path + "/a", "--b", dir.path + "/b", "--name", "x", "--out", disk.path + "/run",
                                              "--size", "24", "--ngf", "4", "--blocks", "1", "--epochs", "1", "--decay-epochs", "0"])
        #expect(train.status == 1 && train.stderr.contains("error: \(disk.path)/run: cannot write: cannot create the folder: Read-only file system"),
                "\(train.stderr)")
        #expect(disk.listing.isEmpty)
    }

    @Test func cycleGANCheckpointToAFullDisk() throws {
        let dir = try ScratchFolder()
        for k in 0..<4 { try dir.write(gradientImage(32, 32, phase: k), "a/\(k).png"); try dir.write(gradientImage(32, 32, phase: 7 * k), "b/\(k).png") }
        // A checkpoint of this model is about 0.5 MB: the first fits on 1 MB, the second, written beside it, does not.
        let disk = try Tmpfs(at: dir.path + "/disk", size: "1m")
        defer { disk.unmount(); withExtendedLifetime(dir) {} }
        let run = disk.path + "/run"
        let train = ["train", "cyclegan", "--a", dir.path + "/a", "--b", dir.path + "/b", "--name", "x", "--out", run,
                     "--size", "24", "--ngf", "4", "--blocks", "1", "--epochs", "2", "--decay-epochs", "1", "--checkpoint-every", "1"]
        let full = try CommandLineTests.run(train)
        #expect(full.status == 1)
        let error = full.stderr.split(separator: "\n").first { $0.hasPrefix("error:") }.map(String.init) ?? full.stderr
        #expect(error.contains("\(run)/checkpoints/step-") && error.contains("cannot write checkpoint: No space left on device"), "\(error)")
        #expect(error.contains("the latest checkpoint is still \(run)/checkpoints/step-"), "\(error)")
        let report = CheckpointVerification.verify(run)
        #expect(report.isValid && report.leftovers.isEmpty, "\(report.text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { $0 != "latest.json" }.count == 1,
                "no partial checkpoint folder")
        #expect(!FileManager.default.fileExists(atPath: run + "/model"), "no model exported from a failed run")
        let saved = try #require(report.checkpoints.first?.step)

        // With room again, the run resumes from the checkpoint that was kept.
        try disk.resize("8m")
        let resumed = try CommandLineTests.run(train + ["--resume", "--max-steps", "1"])
        #expect(resumed.status == 0 && resumed.stderr.contains("from step \(saved);"), "\(resumed.stderr)")
    }

    @Test func conditionalGANCheckpointToAFullDisk() throws {
        let dir = try ScratchFolder()
        for k in 0..<4 { try dir.write(gradientImage(16, 16, phase: 5 * k), "data/\(k % 2 == 0 ? "even" : "odd")/\(k).png") }
        // One checkpoint takes about 48 KB in tmpfs pages: the first fits in 72 KB, the second beside it does not.
        let disk = try Tmpfs(at: dir.path + "/disk", size: "72k")
        defer { disk.unmount(); withExtendedLifetime(dir) {} }
        let out = disk.path + "/model"
        let full = try CommandLineTests.run(["train", "cgan", "--folders", dir.path + "/data", "--channels", "3", "--image-size", "8", "-o", out,
                                             "--steps", "6", "--batch-size", "2", "--width", "4", "--latent-size", "4", "--checkpoint-every", "1"])
        #expect(full.status == 1)
        #expect(full.stderr.contains("cannot write checkpoint: No space left on device; the checkpoint of step 1 is kept"), "\(full.stderr)")
        let report = CheckpointVerification.verify(out)
        #expect(report.isValid && report.leftovers.isEmpty && report.checkpoints.first?.step == 1, "\(report.text)")
        #expect(disk.listing.allSatisfy { !$0.hasPrefix(".") && !$0.contains("00000002") }, "no file of the failed save: \(disk.listing)")
    }
}

// MARK: - Without a mount

struct FaultHandlingTests {
    /// A write that fails for lack of space stops the batch: the items after it are not tried.
    @Test func aFullDiskStopsTheBatch() throws {
        let inputs = (0..<5).map { BatchInput(path: "in/\($0).png", relativePath: "\($0).png") }
        var tried: [String] = []
        let summary = BatchRunner(options: BatchOptions(showsProgress: false), verb: "converted").run(
            inputs: inputs, output: { "out/" + $0.relativePath }) { input, target in
                tried.append(input.path)
                if input.path == "in/2.png" { throw ImageIOError.cannotWrite(path: target!, reason: String(cString: strerror(ENOSPC))) }
                if input.path == "in/1.png" { throw ImageIOError.corrupt(source: input.path, format: .png, detail: "bad") }
            }
        #expect(tried == ["in/0.png", "in/1.png", "in/2.png"])
        #expect(summary.done == 1 && summary.failed == 4 && summary.hasFailures)
        #expect(summary.items[3].error == "in/3.png: not processed: the output disk is full (writing out/2.png)")
        #expect(BatchRunner.unwritableDestination("x: cannot write: \(String(cString: strerror(EROFS)))") == "read-only")
        #expect(BatchRunner.unwritableDestination("x: cannot read: \(String(cString: strerror(ENOENT)))") == nil)
    }

    /// `gantool checkpoint verify` tells a damaged checkpoint, a missing one and leftovers apart.
    @Test func verificationFindsDamageAndLeftovers() throws {
        let dir = try ScratchFolder()
        var options = CycleGANOptions()
        options.ngf = 2; options.ndf = 2; options.resnetBlocks = 1; options.poolSize = 0
        let model = CycleGANModel(options: options, seed: 1)
        let state = CycleGANTrainingState(step: 3, epoch: 0, index: 3, dataSeed: 0, options: options, poolGeneratorStates: [0, 0],
                                          optimizerSteps: [0, 0], trainingSeconds: 0)
        let run = dir.path + "/run"
        try model.saveCheckpoint(state: state, runFolder: run)
        var report = CheckpointVerification.verify(run)
        #expect(report.kind == .cyclegan && report.isValid && report.checkpoints.map(\.step) == [3])

        try FileManager.default.createDirectory(atPath: run + "/checkpoints/.step-000000004.partial-99", withIntermediateDirectories: true)
        report = CheckpointVerification.verify(run + "/checkpoints/")
        #expect(report.isValid && report.leftovers == [run + "/checkpoints/.step-000000004.partial-99"])

        let weights = run + "/checkpoints/step-000000003/G_B.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: weights))
        report = CheckpointVerification.verify(run)
        #expect(!report.isValid && report.checkpoints.first?.problem?.contains("G_B.safetensors") == true, "\(report.text)")
        #expect(report.text.contains("BAD step 3 (latest)"), "\(report.text)")

        #expect(!CheckpointVerification.verify(dir.path).isValid)
        let cli = try CommandLineTests.run(["checkpoint", "verify", run])
        #expect(cli.status == 1 && cli.stdout.contains("G_B.safetensors"))
    }
}

// MARK: - NaN in conditional-GAN training

/// The injected fault: a NaN in the generator's first weight before step `step`, `times` times.
final class NaNInjection: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    let step: Int
    init(step: Int, times: Int) { (self.step, left) = (step, times) }

    func apply(_ trainer: ConditionalGANTrainer) {
        lock.lock(); defer { lock.unlock() }
        guard trainer.step + 1 >= step, left > 0 else { return }
        left -= 1
        let weight = trainer.generator.namedParameters()[0].parameter
        var value = weight.value
        value.scalars[0] = .nan
        weight.value = value
    }
}

struct ConditionalNonFiniteTests {
    func run(_ dir: ScratchFolder, policy: NonFinitePolicy, injection: NaNInjection) throws -> ConditionalTrainingRun {
        for k in 0..<4 { try dir.write(gradientImage(16, 16, phase: 5 * k), "data/\(k % 2 == 0 ? "even" : "odd")/\(k).png") }
        var run = ConditionalTrainingRun(dataDirectory: dir.path + "/data", outputDirectory: dir.path + "/model", steps: 6)
        run.dataIsImageFolders = true
        run.configuration.channels = 3
        run.configuration.imageSize = 8
        run.configuration.latentSize = 4
        run.configuration.generatorWidth = 4
        run.configuration.discriminatorWidth = 4
        run.options.batchSize = 2
        run.checkpointEvery = 2
        run.onNonFinite = policy
        run.beforeStep = { injection.apply($0) }
        return run
    }

    @Test func stopReportsTheStepAndKeepsTheCheckpoint() throws {
        let dir = try ScratchFolder()
        let run = try run(dir, policy: .stop, injection: NaNInjection(step: 3, times: 1))
        do {
            try run.run { _ in }
            Issue.record("a NaN went unnoticed")
        } catch let error as NonFiniteTrainingError {
            #expect(error.step == 3 && error.lastGoodStep == 2 && error.lastGoodCheckpoint == dir.path + "/model")
            #expect(error.description.hasPrefix("step 3: non-finite values (losses loss_D nan") && error.description.contains("stopped without saving"))
        }
        #expect(try ConditionalGANTrainer.readState(from: dir.path + "/model").step == 2)
        #expect(CheckpointVerification.verify(dir.path + "/model").isValid)
        #expect(!dir.listing("model").contains { $0.contains("00000003") })
    }

    @Test func rollbackDrawsAnotherBatchAndFinishes() throws {
        let dir = try ScratchFolder()
        let lines = LogLines()
        let losses = try run(dir, policy: .rollback, injection: NaNInjection(step: 3, times: 1)).run { lines.append($0) }.losses
        #expect(losses?.step == 6 && losses?.generator.isFinite == true)
        #expect(lines.all.contains { $0.hasPrefix("step 3: non-finite values (losses ") && $0.contains("rolled back to step 2")
                                     && $0.contains("step 3 draws another batch [rollback 1 of at most 3 in a row]") }, "\(lines.all)")
        let state = try ConditionalGANTrainer.readState(from: dir.path + "/model")
        #expect(state.step == 6 && state.redrawnSteps == [3])
        let report = CheckpointVerification.verify(dir.path + "/model")
        #expect(report.isValid && report.leftovers.isEmpty, "\(report.text)")
    }

    @Test func rollbackGivesUpAfterThreeInARow() throws {
        let dir = try ScratchFolder()
        do {
            try run(dir, policy: .rollback, injection: NaNInjection(step: 3, times: 10)).run { _ in }
            Issue.record("a run that never recovers went on")
        } catch let error as NonFiniteTrainingError {
            #expect(error.rollbacks == 3 && error.lastGoodStep == 2 && error.description.contains("giving up"))
        }
        #expect(try ConditionalGANTrainer.readState(from: dir.path + "/model").step == 2)
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func optionIsChecked() throws {
        let bad = try CommandLineTests.run(["train", "cgan", "-o", "/nonexistent", "--on-nonfinite", "retry"])
        #expect(bad.status != 0 && bad.stderr.contains("--on-nonfinite takes stop or rollback"))
        let help = try CommandLineTests.run(["train", "cyclegan", "--help"])
        #expect(help.stdout.contains("--on-nonfinite <stop|rollback>") && help.stdout.contains("--checkpoint-every"))
    }
}

/// Lines a run logged.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var all: [String] { lock.withLock { stored } }
}
