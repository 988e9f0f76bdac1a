import Foundation
import Testing
@testable import GANKit

/// Runs the built `gantool` binary the way a user or a script would.
struct CommandLineTests {
    /// The gantool beside the test bundle in .build/<config>/.
    static let tool: String? = {
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("gantool").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// Runs gantool with `arguments`, in `folder` when given, with `environment` added to this process's.
    /// This process's environment without what a Slurm array task or Kubernetes Indexed Job pod sets, plus `adding`:
    /// for runs that play a scheduler's task whatever machine the tests run on.
    static func environmentOutsideSchedulers(adding: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX" }.merging(adding) { $1 }
    }

    static func run(_ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(tool, "build gantool first (swift build)"))
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out; process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func versionAndHelp() throws {
        #expect(try Self.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == GANKit.version)
        let help = try Self.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("convert") && help.stdout.contains("Examples"))
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func convertReportsBadFilesAndExitsNonZero() throws {
        let dir = try ScratchFolder()
        try dir.image("in/a.png", width: 40, height: 30)
        try dir.image("in/b.jpg")
        _ = try dir.file("in/broken.jpg", "\u{FF}\u{D8}\u{FF}garbage")
        let result = try Self.run(["convert", dir.path + "/in", "-o", dir.path + "/out", "--resize", "20x", "--format", "jpg", "--json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken.jpg") && result.stderr.contains("[1/3]"))
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.done == 2 && summary.failed == 1)
        #expect(dir.listing("out") == ["a.jpg", "b.jpg"])
        #expect(try ImageInfo(contentsOf: dir.path + "/out/a.jpg").height == 15)

        let again = try Self.run(["convert", dir.path + "/in/a.png", dir.path + "/in/b.jpg", "-o", dir.path + "/out", "--format", "jpg", "--skip-existing", "--json", "-q"])
        #expect(again.status == 0 && again.stderr.isEmpty)
        #expect(try JSONDecoder().decode(BatchSummary.self, from: Data(again.stdout.utf8)).skipped == 2)

        let shard = try Self.run(["convert", dir.path + "/in/a.png", dir.path + "/in/b.jpg", "-o", dir.path + "/sharded", "--shard", "2/2", "-q"])
        #expect(shard.status == 0 && dir.listing("sharded") == ["b.jpg"])
        #expect(try Self.run(["convert", "x.png", "-o", "y", "--shard", "3/2"]).status != 0)
    }

    @Test(.enabled(if: tool != nil, "gantool binary not built")) func infoPrintsTheHeader() throws {
        let dir = try ScratchFolder()
        let path = try dir.image("a.png", width: 7, height: 5)
        let result = try Self.run(["info", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("PNG 7x5, 3 channels (RGB), 8-bit, orientation 1"))
        #expect(try Self.run(["info", path, dir.path + "/missing.png"]).status == 1)
    }
}

/// A batch killed with SIGKILL midway, then rerun with --skip-existing, ends with every output
/// complete, byte-identical to an uninterrupted run, and no temporary file left behind.
struct KilledBatchTests {
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func rerunAfterSIGKILLCompletesTheBatch() throws {
        let dir = try ScratchFolder()
        let count = 24
        for i in 0..<count { try dir.image(String(format: "in/%02d.png", i), width: 160, height: 120, value: UInt16(i * 9)) }
        let arguments = ["convert", dir.path + "/in", "--resize", "480x360", "--format", "png", "-q"]
        #expect(try CommandLineTests.run(arguments + ["-o", dir.path + "/reference"]).status == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.tool!)
        process.arguments = arguments + ["-o", dir.path + "/out"]
        try process.run()
        // Kill it once a few outputs exist (or at the latest after 20 s).
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && dir.listing("out").filter({ $0.hasSuffix(".png") }).count < 3 && Date() < deadline {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let survivors = dir.listing("out").filter { !$0.hasPrefix(".") }
        print("killed after \(survivors.count) of \(count) outputs")
        #expect(survivors.count < count, "the kill landed before the batch finished")
        for name in survivors {  // whatever was written is whole
            #expect(throws: Never.self) { try Image(contentsOf: dir.path + "/out/" + name) }
        }

        let rerun = try CommandLineTests.run(arguments + ["-o", dir.path + "/out", "--skip-existing", "--json"])
        #expect(rerun.status == 0)
        let summary = try JSONDecoder().decode(BatchSummary.self, from: Data(rerun.stdout.utf8))
        #expect(summary.skipped == survivors.count && summary.done == count - survivors.count)
        #expect(dir.listing("out") == dir.listing("reference"), "every output there, no temporary file left")
        for name in dir.listing("reference") {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/reference/" + name))
            #expect(a == b, "\(name) differs from the uninterrupted run")
        }
    }
}

/// An interrupted atomic write leaves `.NAME.XXXXXX.tmp`; the next write of NAME clears it.
@Test func staleTemporaryFilesAreRemoved() throws {
    let dir = try ScratchFolder()
    let stale = dir.path + "/.a.png.Ab3dE9.tmp", other = dir.path + "/.b.png.Ab3dE9.tmp"
    FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
    FileManager.default.createFile(atPath: other, contents: Data([1, 2, 3]))
    FileAccess.removeStaleTemporaryFiles(for: dir.path + "/a.png")
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(FileManager.default.fileExists(atPath: other))
}
