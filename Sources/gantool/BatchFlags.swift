import ArgumentParser
import Foundation
import GANKit

/// Flags every batch command shares.
struct BatchFlags: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Search folders recursively.")
    var recursive = false

    @Flag(help: "Leave inputs whose output already exists.")
    var skipExisting = false

    @OptionGroup var sharding: ShardFlags

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "No progress lines on stderr.")
    var quiet = false

    /// The options for `BatchRunner`; `--shard auto` reads the slice from the environment here (a usage error when
    /// it finds none).
    func options() throws -> BatchOptions {
        BatchOptions(skipExisting: skipExisting, shard: try sharding.resolved(), showsProgress: !quiet)
    }

    /// Prints the summary as JSON when asked, then exits 1 if anything failed.
    func finish(_ summary: BatchSummary) throws {
        if json {
            var summary = summary
            summary.command = JSONOutput.commandName
            try JSONOutput.print(summary)
        }
        if summary.hasFailures { throw ExitCode(1) }
    }
}

/// `--shard i/n|auto` and `--shard-count`, for every command that takes a batch of inputs.
struct ShardFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Process only slice i of n (1-based) of the sorted inputs; auto: the slice of this Slurm array task "
        + "or Kubernetes Indexed Job pod (docs/CLUSTER.md).", valueName: "i/n|auto"))
    var shard: String?

    @Option(help: ArgumentHelp("With --shard auto in a Kubernetes Indexed Job: how many shards (its completions; or set "
        + "\(Shard.countVariable)).", valueName: "n"))
    var shardCount: Int?

    func validate() throws {
        if let shard, shard != "auto", Shard(shard) == nil { throw ValidationError("--shard takes i/n with 1 <= i <= n, or auto, got '\(shard)'") }
        if let shardCount, shardCount < 1 { throw ValidationError("--shard-count must be at least 1, got \(shardCount)") }
        if shardCount != nil && shard != "auto" { throw ValidationError("--shard-count goes with --shard auto") }
    }

    /// The slice this process takes: the one given, the engine's for `auto`, nil for the whole batch.
    func resolved() throws -> Shard? {
        guard let shard else { return nil }
        guard shard == "auto" else { return Shard(shard) }
        do { return try Shard.fromEnvironment(count: shardCount) } catch { throw ValidationError(error.description) }
    }
}

extension ImageFormat: ExpressibleByArgument {
    /// Parses "png", "jpg" or "jpeg".
    public init?(argument: String) { self.init(fileExtension: argument) }
    /// The values `--help` lists.
    public static var allValueStrings: [String] { ["png", "jpg"] }
}

extension ResizeFilter: ExpressibleByArgument {}

extension OutputPlan {
    /// `OutputPlan(argument, inputCount:)` for a command's `-o`: a bad output argument is a usage error (exit 64).
    static func forCommandLine(_ argument: String, inputCount: Int) throws -> OutputPlan {
        do { return try OutputPlan(argument, inputCount: inputCount) } catch { throw ValidationError(error.description) }
    }
}
