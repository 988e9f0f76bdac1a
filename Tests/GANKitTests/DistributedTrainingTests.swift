import Foundation
import Testing
@testable import GANKit

/// `--distributed` data-parallel training, run as a user runs it: `mpirun -np 2 gantool train ... --distributed` on
/// small generated images, against one process with the same global batch. Skipped when mpirun is absent (CI
/// installs openmpi-bin).
struct DistributedTrainingTests {
    /// mpirun on PATH, or nil.
    static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let canRun = mpirun != nil && CommandLineTests.tool != nil
    /// Float tolerance of 2 ranks against 1 process: the gradient of a batch is summed in another order (each rank
    /// sums its rows, then the allreduce sums the ranks), so weights agree to rounding, not bit for bit.
    static let tolerance: Float = 2e-4

    struct Run { let status: Int32; let stderr: String }

    /// Starts `mpirun -np ranks gantool arguments` (as root and with more ranks than cores where needed).
    static func launch(ranks: Int, _ arguments: [String], stderr: FileHandle) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(mpirun))
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", try #require(CommandLineTests.tool)] + arguments
        process.environment = CommandLineTests.environmentOutsideSchedulers(adding: ["OMPI_MCA_rmaps_base_oversubscribe": "1"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        return process
    }

    /// Runs `mpirun -np ranks gantool arguments` to the end (at most `timeout` seconds: then it is killed and fails).
    static func mpi(ranks: Int, _ arguments: [String], timeout: Double = 300) throws -> Run {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-mpi-\(UUID().uuidString).log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try launch(ranks: ranks, arguments, stderr: try FileHandle(forWritingTo: URL(fileURLWithPath: log)))
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate(); Issue.record("mpirun ran past \(timeout) s: \(arguments)") }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stderr: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Every float32 tensor of a safetensors file, by name.
    static func tensors(_ path: String) throws -> [String: [Float]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerSize = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerSize))) as? [String: Any])
        var out: [String: [Float]] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let entry = entry as? [String: Any], entry["dtype"] as? String == "F32", let offsets = entry["data_offsets"] as? [Int] else { continue }
            let bytes = data.subdata(in: (8 + headerSize + offsets[0])..<(8 + headerSize + offsets[1]))
            out[name] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return out
    }

    /// The largest difference between the same tensors of two safetensors files (which must list the same names).
    static func largestDifference(_ a: String, _ b: String) throws -> Float {
        let x = try tensors(a), y = try tensors(b)
        #expect(Set(x.keys) == Set(y.keys) && !x.isEmpty, "\(a) and \(b) hold other tensors")
        return x.keys.map { name in zip(x[name]!, y[name] ?? []).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
    }

    /// A folder of `count` patterned RGB images (each its own gradient and stripes) under `folder`.
    static func patternedImages(in dir: ScratchFolder, _ folder: String, count: Int, size: Int, seed: Int) throws {
        for k in 0..<count {
            var samples = [UInt16](repeating: 0, count: size * size * 3)
            for y in 0..<size { for x in 0..<size { for c in 0..<3 {
                let stripes = ((x + 2 * y + 3 * k + seed) / (2 + c)) % 2 == 0 ? 60 : 0
                samples[(y * size + x) * 3 + c] = UInt16((x * 255 / size * (c + 1) / 3 + y * 97 / size + stripes + 40 * k + seed * 13) % 256)
            } } }
            let image = try Image(width: size, height: size, layout: .rgb, samples: samples)
            let path = dir.path + "/\(folder)/img-\(k).png"
            try OutputPlan.prepareFolder(for: path)
            try image.write(to: path)
        }
    }

    /// The label GAN (batch norm in G, projection D): 2 ranks with 4 of every batch of 8 take the steps one process
    /// takes with 8, and a checkpoint written by 2 ranks resumes in 1 process (the data order is rank-independent).
    @Test(.enabled(if: canRun, "mpirun or the gantool binary not found: skipped"))
    func labelGANOnTwoRanksMatchesOneProcess() throws {
        let dir = try ScratchFolder()
        for label in 0..<3 { try Self.patternedImages(in: dir, "classes/\(label)", count: 6, size: 16, seed: label) }
        let common = ["train", "cgan", "--folders", dir.path + "/classes", "--channels", "3", "--image-size", "16", "--width", "8",
                      "--batch-size", "8", "--checkpoint-every", "3", "--log-every", "1"]
        let one = try CommandLineTests.run(common + ["-o", dir.path + "/one", "--steps", "6"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.mpi(ranks: 2, common + ["-o", dir.path + "/two", "--steps", "3", "--distributed"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.components(separatedBy: "saved \(dir.path)/two at step 3").count == 2, "rank 1 wrote lines: \(two.stderr)")
        let resumed = try CommandLineTests.run(common + ["-o", dir.path + "/two", "--steps", "6", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed \(dir.path)/two at step 3"), "\(resumed.stderr)")
        for file in ["generator-00000006", "discriminator-00000006", "optimizers-00000006"] {
            let difference = try Self.largestDifference(dir.path + "/one/\(file).safetensors", dir.path + "/two/\(file).safetensors")
            #expect(difference < Self.tolerance, "\(file): \(difference)")
        }
        let log = try String(contentsOfFile: dir.path + "/two/loss_log.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 7, "one header and one row per step, from rank 0 alone: \(log)")
    }

    /// Pix2pix with batch norm and dropout (synchronised statistics, the global batch's dropout masks): 2 ranks against
    /// 1 process at batch 4; then a different N does not change where it stands.
    @Test(.enabled(if: canRun, "mpirun or the gantool binary not found: skipped"))
    func pix2pixWithBatchNormOnTwoRanksMatchesOneProcess() throws {
        let dir = try ScratchFolder()
        try Self.patternedImages(in: dir, "photos", count: 8, size: 40, seed: 3)
        let common = ["train", "pix2pix", "--task", "colorize", "--images", dir.path + "/photos", "--size", "32", "--ngf", "4", "--ndf", "4",
                      "--norm", "batch", "--batch-size", "4", "--steps", "4", "--sample-every", "100", "--name", "p"]
        let one = try CommandLineTests.run(common + ["--out", dir.path + "/one"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.mpi(ranks: 2, common + ["--out", dir.path + "/two", "--distributed"])
        #expect(two.status == 0, "\(two.stderr)")
        for name in ["generator", "discriminator"] {
            let file = "\(name)-00000004.safetensors"
            let pathOne = dir.path + "/one/" + file, pathTwo = dir.path + "/two/" + file
            guard FileManager.default.fileExists(atPath: pathOne) else {
                Issue.record("no \(file): \((try? FileManager.default.subpathsOfDirectory(atPath: dir.path + "/one")) ?? [])"); continue
            }
            let difference = try Self.largestDifference(pathOne, pathTwo)
            #expect(difference < Self.tolerance, "\(name): \(difference)")
        }
    }

    /// Inpainting (gated convolutions, SN-PatchGAN): each rank reads and masks only its rows of every batch of 4.
    @Test(.enabled(if: canRun, "mpirun or the gantool binary not found: skipped"))
    func inpaintingOnTwoRanksMatchesOneProcess() throws {
        let dir = try ScratchFolder()
        try Self.patternedImages(in: dir, "photos", count: 6, size: 40, seed: 5)
        let common = ["train", "inpaint", "--images", dir.path + "/photos", "--size", "32", "--cnum", "4", "--ndf", "4",
                      "--discriminator-layers", "3", "--batch", "4", "--steps", "3", "--sample-every", "100", "--name", "i"]
        let one = try CommandLineTests.run(common + ["--out", dir.path + "/one"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.mpi(ranks: 2, common + ["--out", dir.path + "/two", "--distributed"])
        #expect(two.status == 0, "\(two.stderr)")
        for name in ["generator", "discriminator", "optimizers"] {
            let file = "/\(name)-00000003.safetensors"
            let difference = try Self.largestDifference(dir.path + "/one" + file, dir.path + "/two" + file)
            #expect(difference < Self.tolerance, "\(name): \(difference)")
        }
    }

    /// CycleGAN with --batch-size 2: 2 ranks of one pair each against 1 process with both. Compared by what the models
    /// do, not weight by weight: a convolution followed by instance norm is scale-invariant, so its bias has no true
    /// gradient (what it gets is rounding) and Adam turns rounding into full steps there; the translations and the
    /// last step's losses are what must agree.
    @Test(.enabled(if: canRun, "mpirun or the gantool binary not found: skipped"))
    func cycleGANOnTwoRanksMatchesOneProcess() throws {
        let dir = try ScratchFolder()
        try Self.patternedImages(in: dir, "a", count: 4, size: 32, seed: 1)
        try Self.patternedImages(in: dir, "b", count: 4, size: 32, seed: 7)
        let common = ["train", "cyclegan", "--a", dir.path + "/a", "--b", dir.path + "/b", "--a-name", "A", "--b-name", "B", "--name", "c",
                      "--size", "32", "--load-size", "32",
                      "--ngf", "4", "--blocks", "1", "--batch-size", "2", "--epochs", "1", "--decay-epochs", "1"]
        let one = try CommandLineTests.run(common + ["--out", dir.path + "/one"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.mpi(ranks: 2, common + ["--out", dir.path + "/two", "--distributed"])
        #expect(two.status == 0, "\(two.stderr)")
        for (domain, photo) in [("B", "a/img-0.png"), ("A", "b/img-1.png")] {
            var outputs: [[UInt16]] = []
            for run in ["one", "two"] {
                let output = dir.path + "/\(run)-to-\(domain).png"
                let translated = try CommandLineTests.run(["translate", dir.path + "/" + photo, "--models", dir.path + "/\(run)", "--model", "model",
                                                           "--to", domain, "-o", output])
                #expect(translated.status == 0, "\(translated.stderr)")
                outputs.append(try Image(contentsOf: output).samples)
            }
            let largest = zip(outputs[0], outputs[1]).map { abs(Int($0) - Int($1)) }.max() ?? 255
            #expect(outputs[0].count == outputs[1].count && largest <= 2, "to \(domain): samples differ by up to \(largest) of 255")
        }
        func lastLosses(_ run: String) throws -> [Float] {
            let rows = try String(contentsOfFile: dir.path + "/\(run)/loss_log.csv", encoding: .utf8).split(separator: "\n")
            return rows.last!.split(separator: ",").dropFirst(4).compactMap { Float($0) }
        }
        let (lossesOne, lossesTwo) = (try lastLosses("one"), try lastLosses("two"))
        #expect(lossesOne.count == 8 && zip(lossesOne, lossesTwo).allSatisfy { abs($0 - $1) <= 2e-3 * max(1, abs($0)) }, "\(lossesOne) vs \(lossesTwo)")
    }

    /// A rank killed mid-run stops the whole job with an error; the last checkpoint is whole and resumes, here on a
    /// different number of ranks.
    @Test(.enabled(if: canRun, "mpirun or the gantool binary not found: skipped"))
    func aKilledRankStopsTheJobAndTheCheckpointResumes() throws {
        let dir = try ScratchFolder()
        for label in 0..<2 { try Self.patternedImages(in: dir, "classes/\(label)", count: 4, size: 16, seed: label) }
        let run = dir.path + "/run"
        let common = ["train", "cgan", "--folders", dir.path + "/classes", "--channels", "3", "--image-size", "16", "--width", "8",
                      "--batch-size", "4", "--checkpoint-every", "2", "--log-every", "1000", "-o", run]
        let log = dir.path + "/mpirun.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let job = try Self.launch(ranks: 2, common + ["--steps", "1000000", "--distributed"], stderr: try FileHandle(forWritingTo: URL(fileURLWithPath: log)))
        defer { if job.isRunning { job.terminate() } }
        func checkpointStep() -> Int? {
            guard let data = FileManager.default.contents(atPath: run + "/state.json"),
                  let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return state["step"] as? Int
        }
        var deadline = Date().addingTimeInterval(120)
        while (checkpointStep() ?? 0) < 4 && job.isRunning && Date() < deadline { usleep(50_000) }
        try #require(job.isRunning && (checkpointStep() ?? 0) >= 4, "no checkpoint at step 4: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        // Rank 1 is the child of mpirun whose environment says OMPI_COMM_WORLD_RANK=1.
        let children = ((try? String(contentsOfFile: "/proc/\(job.processIdentifier)/task/\(job.processIdentifier)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int32($0) }
        let rankOne = children.first { pid in
            ((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()).split(separator: 0)
                .contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=1" }
        }
        let victim = try #require(rankOne, "rank 1 not found among mpirun's children \(children)")
        kill(victim, SIGKILL)
        deadline = Date().addingTimeInterval(60)
        while job.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!job.isRunning, "the job went on after rank 1 was killed")
        job.waitUntilExit()
        #expect(job.terminationStatus != 0)
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(said.contains("rank 1") || said.contains("signal 9"), "no word of the killed rank: \(said)")
        let step = try #require(checkpointStep())
        let resumed = try CommandLineTests.run(common + ["--steps", "\(step + 2)", "--resume"])
        #expect(resumed.status == 0 && resumed.stderr.contains("resumed \(run) at step \(step)") && resumed.stderr.contains("saved \(run) at step \(step + 2)"),
                "\(resumed.stderr)")
    }

    /// Without Open MPI, --distributed says how to get it; a batch that does not split over the ranks is refused, and so
    /// is mpirun without --distributed (each rank would train alone into the same folder).
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built"))
    func clearErrorsWithoutMPIAndForABatchThatDoesNotSplit() throws {
        let dir = try ScratchFolder()
        let missing = try CommandLineTests.run(["train", "cgan", "-o", dir.path + "/x", "--distributed"], environment: ["GANKIT_MPI_LIBRARY": "libmpi-absent.so"])
        #expect(missing.status == 69 && missing.stderr.contains("apt-get install openmpi-bin") && missing.stderr.contains("libmpi-absent.so"), "\(missing.stderr)")
        guard Self.mpirun != nil else { print("mpirun not found: the uneven-batch check skipped"); return }
        for label in 0..<2 { try Self.patternedImages(in: dir, "classes/\(label)", count: 2, size: 16, seed: label) }
        let uneven = try Self.mpi(ranks: 2, ["train", "cgan", "--folders", dir.path + "/classes", "--channels", "3", "--image-size", "16",
                                             "--width", "8", "--batch-size", "7", "--steps", "2", "-o", dir.path + "/run", "--distributed"])
        #expect(uneven.status != 0 && uneven.stderr.contains("does not split evenly over 2 ranks"), "\(uneven.stderr)")
        let forgotten = try Self.mpi(ranks: 2, ["train", "cgan", "--folders", dir.path + "/classes", "--channels", "3", "--image-size", "16",
                                                "--width", "8", "--steps", "2", "-o", dir.path + "/alone"])
        #expect(forgotten.status != 0 && forgotten.stderr.contains("without --distributed"), "\(forgotten.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/alone/state.json"), "two ranks trained alone into one folder")
    }
}
