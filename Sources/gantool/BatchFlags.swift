import ArgumentParser
import Foundation
import GANKit

/// Flags every batch command shares.
struct BatchFlags: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Search folders recursively.")
    var recursive = false

    @Flag(help: "Leave inputs whose output already exists.")
    var skipExisting = false

    @Option(help: ArgumentHelp("Process only slice i of n (1-based) of the sorted inputs.", valueName: "i/n"))
    var shard: String?

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "No progress lines on stderr.")
    var quiet = false

    func validate() throws {
        if let shard, Shard(shard) == nil { throw ValidationError("--shard takes i/n with 1 <= i <= n, got '\(shard)'") }
    }

    var options: BatchOptions {
        BatchOptions(skipExisting: skipExisting, shard: shard.flatMap(Shard.init), showsProgress: !quiet)
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
