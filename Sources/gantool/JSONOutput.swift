import ArgumentParser
import Foundation
import GANKit

/// With `--json`, stdout carries exactly one JSON object, in `BatchSummary`'s schema: the command's own summary when it
/// ran, else (no model, a bad option, a failure before the first file) one with `error` and `exitStatus` set.
enum JSONOutput {
    /// Whether the command printed its JSON object already.
    nonisolated(unsafe) static var printed = false
    /// The last error a command reported on stderr before exiting (for the JSON object of a failed run).
    nonisolated(unsafe) static var lastError: String?

    /// Whether the command line asks for JSON.
    static var requested: Bool { CommandLine.arguments.dropFirst().contains("--json") }

    /// Prints `summary` as the command's JSON object (pretty, keys sorted).
    static func print(_ summary: BatchSummary) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        Swift.print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        printed = true
    }

    /// Prints `value` as pretty JSON (keys sorted, slashes unescaped): the listings and reports that are not a batch
    /// summary (`models`, `checkpoint verify`, `summarize`).
    static func printListing(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// The command's name as typed ("eval generate"): the arguments before the first option or path.
    static var commandName: String {
        let words = ["translate", "inpaint", "generate", "train", "checkpoint", "eval", "import", "export", "models", "convert",
                     "info", "bench", "cgan", "cyclegan", "pix2pix", "verify", "colorize", "train-classifier",
                     "train-domain-classifier", "summarize"]
        return CommandLine.arguments.dropFirst().prefix { words.contains($0) }.joined(separator: " ")
    }
}

/// Writes "error: <error>" on stderr and keeps it for the JSON object of the failed run.
func reportError(_ error: Any) {
    let text = "\(error)"
    JSONOutput.lastError = text
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
}

extension GANTool {
    /// ArgumentParser's main, plus the `--json` guarantee: a run that fails without having printed its summary prints
    /// one with the error (usage errors included), then exits as ArgumentParser would.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let status = exitCode(for: error).rawValue
            if JSONOutput.requested && !JSONOutput.printed && status != 0 {
                var message = JSONOutput.lastError ?? fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "exit \(status)"
                if message.hasPrefix("Error: ") { message = String(message.dropFirst("Error: ".count)) }
                try? JSONOutput.print(BatchSummary(done: 0, skipped: 0, failed: 0, seconds: 0, items: [], command: JSONOutput.commandName,
                                                   error: message, exitStatus: status))
            }
            exit(withError: error)
        }
    }
}

/// Reports `error` (as `reportError`) and gives the exit code to throw: 64, as for every usage error, when the arguments
/// are wrong in a way found only once a model or dataset was read (a label the model does not have, domain names that
/// clash, a setting out of range); 1 for every other failure.
func failure(_ error: Error) -> ExitCode {
    reportError(error)
    return ExitCode(isUsageError(error) ? 64 : 1)
}

/// Whether `error` says the command line was wrong rather than a file or the machine.
func isUsageError(_ error: Error) -> Bool {
    if case ConditionalTrainingRun.Failure.invalid = error { return true }
    if case TranslationImportError.invalidName = error { return true }
    return false
}
