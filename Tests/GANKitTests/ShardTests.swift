import Foundation
import Testing
@testable import GANKit

/// `--shard i/n|auto`: the slice from a Slurm array task or a Kubernetes Indexed Job's environment, shards run side by
/// side that together make exactly one unsharded run, and `gantool summarize` over their summaries.
struct ShardTests {
    @Test func sliceFromTheEngineEnvironment() throws {
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2"]) == Shard("1/3"))
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "9",
                                           "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "3"]) == Shard("2/3"))
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]) == Shard("4/4"))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2", "GANKIT_SHARD_COUNT": "5"]) == Shard("3/5"))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "0"], count: 2) == Shard("1/2"))
        #expect(throws: ShardError.noEngine) { try Shard.fromEnvironment([:]) }
        #expect(throws: ShardError.malformed(variable: "SLURM_ARRAY_TASK_ID", value: "x")) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "x"]) }
        for bad in [["JOB_COMPLETION_INDEX": "2"], ["JOB_COMPLETION_INDEX": "5", "GANKIT_SHARD_COUNT": "5"],
                    ["SLURM_ARRAY_TASK_ID": "4"], ["SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "9", "SLURM_ARRAY_TASK_STEP": "2"],
                    ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7", "SLURM_ARRAY_TASK_COUNT": "3"]] {
            #expect(throws: ShardError.self, "\(bad)") { try Shard.fromEnvironment(bad) }
        }
        #expect(throws: ShardError.self) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"], count: 3) }
    }

    @Test func mergedSummariesNameWhatIsMissing() {
        func summary(_ shard: String, _ statuses: [BatchItemStatus]) -> BatchSummary {
            var s = BatchSummary(done: 0, skipped: 0, failed: 0, seconds: 1, items: statuses.enumerated().map {
                BatchItemResult(input: "\(shard)-\($0.offset)", output: nil, status: $0.element, error: $0.element == .failed ? "bad \(shard)" : nil, seconds: 0)
            }, command: "convert")
            s.shard = shard; s.batchInputs = 6
            return s
        }
        let partial = ShardedBatchReport([("a", summary("1/3", [.done, .done])), ("c", summary("3/3", [.done, .failed]))])
        #expect(partial.missingShards == ["2/3"] && partial.merged.done == 3 && partial.merged.failed == 1 && !partial.isComplete)
        #expect(partial.text.contains("shards missing: 2/3") && partial.text.contains("failed: bad 3/3"))
        let rerun = ShardedBatchReport([("a", summary("1/3", [.done, .done])), ("b", summary("2/3", [.done, .done])),
                                        ("c", summary("3/3", [.done, .failed])), ("c2", summary("3/3", [.skipped, .done]))])
        #expect(rerun.isComplete && rerun.repeatedShards == ["3/3"] && rerun.merged.done == 5 && rerun.merged.skipped == 1)
    }

    /// Three shard processes at once over one folder (--shard auto, as three Slurm array tasks): their outputs are the
    /// whole folder, no file twice, byte for byte the unsharded run's; a shard whose node died is completed by a rerun
    /// with --skip-existing; `gantool summarize` tells the two states apart.
    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func shardsSideBySideMakeOneRun() throws {
        let dir = try ScratchFolder()
        for n in 0..<11 {
            try dir.image("in/\(n % 2 == 0 ? "even" : "odd")/img-\(n).png", width: 24 + n, height: 16, value: UInt16(20 * n))
        }
        let common = ["convert", dir.path + "/in", "-r", "--resize", "12x", "--format", "jpg", "--json", "-q"]
        let whole = try CommandLineTests.run(common + ["-o", dir.path + "/whole/"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let processes = try (0..<3).map { task in
            try Self.start(common + ["-o", dir.path + "/sharded/", "--shard", "auto"], summary: dir.path + "/shard-\(task).json",
                           environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2"])
        }
        for process in processes { process.waitUntilExit(); #expect(process.terminationStatus == 0) }
        let wholeFiles = dir.listing("whole").filter { $0.hasSuffix(".jpg") }
        #expect(wholeFiles.count == 11 && dir.listing("sharded") == dir.listing("whole"))
        for file in wholeFiles {
            #expect(FileManager.default.contentsEqual(atPath: dir.path + "/whole/" + file, andPath: dir.path + "/sharded/" + file), "\(file)")
        }
        let summaries = try (0..<3).map { try JSONDecoder().decode(BatchSummary.self, from: Data(contentsOf: URL(fileURLWithPath: dir.path + "/shard-\($0).json"))) }
        #expect(summaries.map(\.shard) == ["1/3", "2/3", "3/3"] && summaries.map(\.done) == [4, 4, 3])
        #expect(Set(summaries.flatMap { $0.items.map(\.input) }).count == 11, "no input in two shards")
        let files = (0..<3).map { dir.path + "/shard-\($0).json" }
        let merged = try CommandLineTests.run(["summarize"] + files)
        #expect(merged.status == 0 && merged.stdout.contains("11 done, 0 skipped, 0 failed of 11 inputs"), "\(merged.stdout)")

        // The node of shard 2 dies: its outputs and summary are gone. summarize says so; a rerun completes it.
        for item in summaries[1].items { try FileManager.default.removeItem(atPath: item.output!) }
        let gap = try CommandLineTests.run(["summarize", files[0], files[2]])
        #expect(gap.status == 1 && gap.stdout.contains("shards missing: 2/3"), "\(gap.stdout)")
        let rerun = try Self.start(common + ["-o", dir.path + "/sharded/", "--shard", "auto", "--skip-existing"], summary: files[1],
                                   environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"])
        rerun.waitUntilExit()
        #expect(rerun.terminationStatus == 0 && dir.listing("sharded") == dir.listing("whole"))
        #expect(try CommandLineTests.run(["summarize"] + files).status == 0)

        let none = try Self.start(common + ["-o", dir.path + "/x/", "--shard", "auto"], summary: dir.path + "/none.json", environment: [:])
        none.waitUntilExit()
        let error = try JSONDecoder().decode(BatchSummary.self, from: Data(contentsOf: URL(fileURLWithPath: dir.path + "/none.json")))
        #expect(none.terminationStatus == 64 && error.error?.contains("no Slurm array task") == true)
        let k8s = try Self.start(common + ["-o", dir.path + "/k8s/", "--shard", "auto", "--shard-count", "11"], summary: dir.path + "/k8s.json",
                                 environment: ["JOB_COMPLETION_INDEX": "10"])
        k8s.waitUntilExit()
        #expect(k8s.terminationStatus == 0 && dir.listing("k8s") == ["odd", "odd/img-9.jpg"], "the 11th of 11 sorted inputs")
    }

    /// Starts gantool with `environment` added to a clean one (no engine variables inherited), stdout into `summary`.
    static func start(_ arguments: [String], summary: String, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CommandLineTests.tool))
        process.arguments = arguments
        process.environment = CommandLineTests.environmentOutsideSchedulers(adding: environment)
        FileManager.default.createFile(atPath: summary, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: summary))
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
