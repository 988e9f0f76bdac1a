import Foundation
import Testing
@testable import GANKit

/// The cluster recipes of docs/CLUSTER.md, run here as the engines would run them: the Slurm array script as three
/// array tasks at once, the Kubernetes Indexed Job's container command as its eight pods; each time the outputs equal
/// one unsharded `gantool translate` byte for byte and `gantool summarize` finds the batch complete.
struct ClusterScriptTests {
    static let recipes = RepositoryPaths.root + "/tools/cluster"

    /// A folder of 13 photos in two subfolders and a tiny imported model translating horses into zebras.
    static func batch(_ dir: ScratchFolder) throws -> (models: String, whole: String) {
        for n in 0..<13 { try dir.image("frames/\(n % 3 == 0 ? "a" : "b")/f\(n).png", width: 20 + n, height: 18, value: UInt16(15 * n)) }
        let models = dir.path + "/models"
        let fixtures = RepositoryPaths.root + "/Fixtures/import"
        let imported = try CommandLineTests.run(["import", fixtures + "/tiny_G_A.pth", fixtures + "/tiny_G_B.pth", "--name", "tiny",
                                                 "--a-name", "horses", "--b-name", "zebras", "-o", models])
        #expect(imported.status == 0, "\(imported.stderr)")
        let whole = try CommandLineTests.run(["translate", dir.path + "/frames", "-r", "--to", "zebras", "--models", models, "-o", dir.path + "/whole", "-q"])
        #expect(whole.status == 0, "\(whole.stderr)")
        return (models, dir.path + "/whole")
    }

    static func sameFiles(_ a: String, _ b: String) -> Bool {
        let files = { (folder: String) in ((try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".png") }.sorted() }
        return files(a).count == 13 && files(a) == files(b) && files(a).allSatisfy { FileManager.default.contentsEqual(atPath: a + "/" + $0, andPath: b + "/" + $0) }
    }

    static func shell(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = arguments
        process.environment = CommandLineTests.environmentOutsideSchedulers(adding: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func slurmArrayScript() throws {
        let dir = try ScratchFolder()
        let (models, whole) = try Self.batch(dir)
        let out = dir.path + "/translated"
        let tasks = try (3...5).map { task in
            try Self.shell(["-c", "bash \"$0\" \"$@\"", Self.recipes + "/translate.sbatch", dir.path + "/frames", out, "zebras"],
                           environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_MAX": "5",
                                         "GANTOOL": try #require(CommandLineTests.tool), "GANKIT_MODELS": models])
        }
        for task in tasks { task.waitUntilExit(); #expect(task.terminationStatus == 0) }
        #expect(Self.sameFiles(whole, out))
        let logs = (3...5).map { "\(out)/.logs/shard-\($0).json" }
        let merged = try CommandLineTests.run(["summarize"] + logs)
        #expect(merged.status == 0 && merged.stdout.contains("13 done, 0 skipped, 0 failed of 13 inputs"), "\(merged.stdout)")
    }

    @Test(.enabled(if: CommandLineTests.tool != nil, "gantool binary not built")) func kubernetesIndexedJob() throws {
        let dir = try ScratchFolder()
        let (models, whole) = try Self.batch(dir)
        let manifest = try String(contentsOfFile: Self.recipes + "/translate-job.yaml", encoding: .utf8)
        let lines = manifest.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let completions = try #require(lines.first { $0.hasPrefix("completions:") }.flatMap { Int($0.dropFirst("completions:".count).trimmingCharacters(in: .whitespaces)) })
        let countLine = try #require(lines.firstIndex(of: "- name: GANKIT_SHARD_COUNT"))
        #expect(lines[countLine + 1] == "value: \"\(completions)\"", "GANKIT_SHARD_COUNT says the Job's completions")
        let argsLine = try #require(lines.firstIndex(of: "args:"))
        // The pod's command, with the volume mounted at the scratch folder, this build's gantool and the test model's domain.
        let command = String(lines[argsLine + 1].dropFirst(2))
            .replacingOccurrences(of: "/data/frames", with: dir.path + "/frames").replacingOccurrences(of: "/data", with: dir.path)
            .replacingOccurrences(of: "gantool translate", with: "\"\(try #require(CommandLineTests.tool))\" translate")
            .replacingOccurrences(of: "--to dogs", with: "--to zebras")
        #expect(command.contains("--shard auto") && command.contains("--skip-existing"))
        let pods = try (0..<completions).map { index in
            try Self.shell(["-c", command], environment: ["JOB_COMPLETION_INDEX": "\(index)", "GANKIT_SHARD_COUNT": "\(completions)", "GANKIT_MODELS": models])
        }
        for pod in pods { pod.waitUntilExit(); #expect(pod.terminationStatus == 0) }
        #expect(Self.sameFiles(whole, dir.path + "/translated"))
        let logs = (0..<completions).map { "\(dir.path)/translated/.logs/shard-\($0).json" }
        let merged = try CommandLineTests.run(["summarize"] + logs)
        #expect(merged.status == 0 && merged.stdout.contains("13 done"), "\(merged.stdout)")
    }
}
