import Foundation
import Testing
@testable import GANKit

/// What a new user gets wrong, run through the built gantool: sizes past the documented limits are refused before
/// anything is allocated, an output named with an image extension GANKit cannot write is an error (not a folder),
/// usage errors exit 64, and a model of the other kind says what it takes.
struct UsageErrorTests {
    static let enabled = CommandLineTests.tool != nil

    @Test(.enabled(if: enabled, "gantool binary not built")) func limitsAndUnwritableOutputs() throws {
        let dir = try ScratchFolder()
        let image = try dir.image("a.png", width: 40, height: 20)
        let huge = try CommandLineTests.run(["convert", image, "-o", dir.path + "/r.png", "--resize", "100000x100000"])
        #expect(huge.status == 64 && huge.stderr.contains("megapixels"), "\(huge.stderr)")
        let wide = try CommandLineTests.run(["convert", image, "-o", dir.path + "/r.png", "--resize", "100000x"])
        #expect(wide.status == 1 && wide.stderr.contains("a.png") && wide.stderr.contains("megapixels"), "\(wide.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/r.png"))
        let gif = try CommandLineTests.run(["convert", image, "-o", dir.path + "/r.gif"])
        #expect(gif.status == 64 && gif.stderr.contains("cannot write .gif"), "\(gif.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/r.gif"), "no folder r.gif/ made")
        let folder = try CommandLineTests.run(["convert", image, "-o", dir.path + "/out.gif/"])
        #expect(folder.status == 0 && FileManager.default.fileExists(atPath: dir.path + "/out.gif/a.png"), "a trailing / names a folder")
    }

    @Test(.enabled(if: enabled, "gantool binary not built")) func trainingBatchesPastTheLimit() throws {
        let dir = try ScratchFolder()
        for arguments in [["train", "cgan", "--mnist", dir.path, "--batch-size", "10000000", "-o", dir.path + "/run"],
                          ["train", "pix2pix", "--task", "colorize", "--images", dir.path, "--batch-size", "100000", "--size", "128", "--name", "x"],
                          ["train", "inpaint", "--images", dir.path, "--batch", "300", "--size", "128", "--name", "x"]] {
            let result = try CommandLineTests.run(arguments)
            #expect(result.status == 64 && result.stderr.contains("megapixels one training batch holds"), "\(arguments): \(result.stderr)")
        }
        #expect(TrainingLimits.batchProblem(batch: 256, side: 128) == nil && TrainingLimits.batchProblem(batch: 257, side: 128) != nil)
        #expect(TrainingLimits.batchProblem(batch: Int.max, side: 1 << 20)?.contains("at most 1 at this size") == true, "no overflow")
    }

    @Test(.enabled(if: enabled, "gantool binary not built")) func generateCountsAndModelKinds() throws {
        let dir = try ScratchFolder()
        let models = RepositoryPaths.root + "/Models"
        guard FileManager.default.fileExists(atPath: models + "/mnist-cgan/manifest.json") else { return }
        let out = dir.path + "/g.png"
        for arguments in [["--label", "3", "--count", "0"], ["--labels", "all", "--columns", "0"], ["--label", "3", "--count", "100000000"]] {
            let result = try CommandLineTests.run(["generate", "--model", models + "/mnist-cgan"] + arguments + ["-o", out])
            #expect(result.status == 64, "\(arguments): exit \(result.status), \(result.stderr)")
        }
        let perClass = try CommandLineTests.run(["generate", "--model", models + "/mnist-cgan", "--labels", "all", "--count", "5000", "-o", out])
        #expect(perClass.status == 64 && perClass.stderr.contains("10000 images"), "\(perClass.stderr)")
        let label = try CommandLineTests.run(["generate", "--model", models + "/mnist-cgan", "--label", "12", "-o", out])
        #expect(label.status == 64 && label.stderr.contains("label 12 is outside 0..<10"), "\(label.stderr)")
        let clash = try CommandLineTests.run(["import", RepositoryPaths.root + "/Fixtures/import/tiny_G_A.pth", "--name", "q", "--from", "a", "--to", "a",
                                              "-o", dir.path + "/models"])
        #expect(clash.status == 64 && clash.stderr.contains("equals domain A's name"), "\(clash.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        if FileManager.default.fileExists(atPath: models + "/faces-colorize/manifest.json") {
            let label = try CommandLineTests.run(["generate", "--model", "faces-colorize", "--models", models, "--label", "1", "-o", out])
            #expect(label.status == 1 && label.stderr.contains("pix2pix model") && label.stderr.contains("--from"), "\(label.stderr)")
        }
        let image = try dir.image("a.png")
        let from = try CommandLineTests.run(["generate", "--model", "mnist-cgan", "--models", models, "--from", image, "-o", dir.path + "/o/"])
        #expect(from.status == 1 && from.stderr.contains("label-conditional model") && from.stderr.contains("--label"), "\(from.stderr)")
    }
}

/// `info` reads headers; `info --verify` decodes in full and fails on a JPEG cut short.
struct InfoVerifyTests {
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func verifyDecodesInFull() throws {
        let dir = try ScratchFolder()
        // A noisy 256x256 photo-like image: its entropy-coded data is most of the file, so half of it keeps the header.
        var rng = SystemRandomNumberGenerator()
        let values = (0..<(3 * 256 * 256)).map { _ in Float.random(in: -1...1, using: &rng) }
        let whole = dir.path + "/whole.jpg"
        try Image(planes: try FloatPlanes(channels: 3, height: 256, width: 256, values: values)).write(to: whole)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = dir.path + "/cut.jpg"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        let headers = try CommandLineTests.run(["info", cut])
        #expect(headers.status == 0, "headers only: \(headers.stderr)")
        let verified = try CommandLineTests.run(["info", "--verify", whole, cut])
        #expect(verified.status == 1 && verified.stderr.contains("cut.jpg") && !verified.stderr.contains("whole.jpg"), "\(verified.stderr)")
        #expect(verified.stdout.contains("whole.jpg"))
    }
}

/// What a command says: label generation names what it wrote, `info --help` lists only what info honours, and
/// translate without a model says how to get one.
struct CommandMessageTests {
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func messages() throws {
        let dir = try ScratchFolder()
        let models = RepositoryPaths.root + "/Models"
        if FileManager.default.fileExists(atPath: models + "/mnist-cgan/manifest.json") {
            let grid = try CommandLineTests.run(["generate", "--model", models + "/mnist-cgan", "--label", "3", "--count", "4", "-o", dir.path + "/g.png"])
            #expect(grid.status == 0 && grid.stderr.contains("wrote grid \(dir.path)/g.png: 4 samples of class 3"), "\(grid.stderr)")
        }
        let one = try dir.image("in/one.png"); try dir.image("in/sub/two.jpg")
        let batch = try CommandLineTests.run(["convert", dir.path + "/in", "-r", "-o", dir.path + "/converted/"])
        #expect(batch.status == 0 && batch.stderr.contains("converted 2 into \(dir.path)/converted, skipped 0"), "\(batch.stderr)")
        let single = try CommandLineTests.run(["convert", one, "-o", dir.path + "/c.jpg"])
        #expect(single.stderr.contains("converted 1 to \(dir.path)/c.jpg, skipped 0"), "\(single.stderr)")
        let none = try CommandLineTests.run(["convert", dir.path + "/in", "-r", "-o", dir.path + "/converted/", "--skip-existing"])
        #expect(none.stderr.contains("converted 0, skipped 2"), "nothing written, no destination named: \(none.stderr)")
        let help = try CommandLineTests.run(["info", "--help"])
        #expect(help.stdout.contains("--verify") && help.stdout.contains("--shard"))
        #expect(!help.stdout.contains("--skip-existing") && !help.stdout.contains("--quiet"), "\(help.stdout)")
        try FileManager.default.createDirectory(atPath: dir.path + "/empty", withIntermediateDirectories: true)
        let image = try dir.image("a.png")
        let noModel = try CommandLineTests.run(["translate", image, "--to", "dogs", "--models", dir.path + "/empty", "-o", dir.path + "/t/"])
        #expect(noModel.status != 0 && noModel.stderr.contains("gantool import latest_net_G_A.pth") && noModel.stderr.contains("gantool train cyclegan"),
                "\(noModel.stderr)")
    }
}

/// Every `--help` example can be pasted: at 80 columns no example line is wrapped mid-command (each line of the
/// Examples section is a command, a comment, or the continuation of a line that ends in a backslash).
struct HelpExampleTests {
    static let commands = [[], ["info"], ["convert"], ["translate"], ["inpaint"], ["generate"], ["models"], ["import"], ["export"],
                           ["bench"], ["train", "cgan"], ["train", "cyclegan"], ["train", "pix2pix"], ["train", "inpaint"],
                           ["eval", "generate"], ["eval", "translate"], ["eval", "colorize"], ["eval", "inpaint"],
                           ["eval", "train-classifier"], ["eval", "train-domain-classifier"], ["checkpoint", "verify"], ["summarize"]]

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func examplesAreWholeLines() throws {
        for command in Self.commands {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(CommandLineTests.tool))
            process.arguments = command + ["--help"]
            process.environment = ["COLUMNS": "80", "PATH": "/usr/bin:/bin"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            var inExamples = false, continued = false, examples = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("Examples:") || line.hasPrefix("Example:") { inExamples = true; continue }
                if line.hasPrefix("USAGE") || line.hasPrefix("OPTIONS") || line.hasPrefix("SUBCOMMANDS") { inExamples = false }
                guard inExamples, !line.trimmingCharacters(in: .whitespaces).isEmpty else { continued = false; continue }
                let body = line.trimmingCharacters(in: .whitespaces)
                let starts = body.hasPrefix("gantool ") || body.hasPrefix("mpirun ") || body.hasPrefix("#") || body.hasPrefix("python3 ") || body.hasPrefix("pip ")
                #expect(starts || continued, "gantool \(command.joined(separator: " ")) --help: '\(line)' is a wrapped piece of an example")
                #expect(line.count <= 80, "gantool \(command.joined(separator: " ")) --help: '\(line)' is over 80 columns")
                if starts { examples += 1 }
                continued = body.hasSuffix("\\")
            }
            #expect(examples > 0 || command.isEmpty, "gantool \(command.joined(separator: " ")) --help shows no example")
        }
    }
}

/// With `--json`, stdout carries exactly one JSON object in `BatchSummary`'s schema, whatever happens: a run, a failure
/// before the first file, a usage error, label generation, info.
struct JSONOutputTests {
    static func summary(_ result: CommandLineTests.Result) throws -> BatchSummary {
        try JSONDecoder().decode(BatchSummary.self, from: Data(result.stdout.utf8))
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func oneObjectWhateverHappens() throws {
        let dir = try ScratchFolder()
        let image = try dir.image("a.png")
        try FileManager.default.createDirectory(atPath: dir.path + "/empty", withIntermediateDirectories: true)
        let noModel = try CommandLineTests.run(["translate", image, "--to", "dogs", "--models", dir.path + "/empty", "-o", dir.path + "/t/", "--json"])
        let noModelSummary = try Self.summary(noModel)
        #expect(noModel.status == 1 && noModelSummary.exitStatus == 1 && noModelSummary.command == "translate")
        #expect(noModelSummary.error?.contains("no translation model") == true && noModelSummary.items.isEmpty)
        let usage = try CommandLineTests.run(["convert", image, "-o", dir.path + "/r.gif", "--json"])
        let usageSummary = try Self.summary(usage)
        #expect(usage.status == 64 && usageSummary.exitStatus == 64, "\(usage.stdout)")
        let badOption = try CommandLineTests.run(["convert", image, "--json", "--quality", "0", "-o", dir.path + "/q.jpg"])
        let badSummary = try Self.summary(badOption)
        #expect(badOption.status == 64 && badSummary.error?.contains("--quality") == true, "\(badOption.stdout)")
        let info = try CommandLineTests.run(["info", image, dir.path + "/missing.png", "--json"])
        let infoSummary = try Self.summary(info)
        #expect(info.status == 1 && infoSummary.command == "info" && infoSummary.done == 1 && infoSummary.failed == 1)
        #expect(infoSummary.items.first { $0.status == .done }?.info?.width == 20)
        let models = RepositoryPaths.root + "/Models"
        if FileManager.default.fileExists(atPath: models + "/mnist-cgan/manifest.json") {
            let generate = try CommandLineTests.run(["generate", "--model", models + "/mnist-cgan", "--label", "2", "--count", "2",
                                                     "-o", dir.path + "/g.png", "--json"])
            let generateSummary = try Self.summary(generate)
            #expect(generate.status == 0 && generateSummary.done == 1 && generateSummary.items.first?.output == dir.path + "/g.png")
        }
    }
}
