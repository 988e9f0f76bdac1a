import Foundation

/// How one item of a batch ended.
public enum BatchItemStatus: String, Sendable, Codable {
    /// The output was written.
    case done
    /// The output already existed and `--skip-existing` was given.
    case skipped
    /// The item failed; `error` says why.
    case failed
}

/// One line of a batch report.
public struct BatchItemResult: Sendable, Codable, Equatable {
    /// The input path (or the argument that named nothing).
    public var input: String
    /// The output path, when there is one.
    public var output: String?
    /// How it ended.
    public var status: BatchItemStatus
    /// Why it failed.
    public var error: String?
    /// Seconds spent on it.
    public var seconds: Double
    /// What `gantool info` read from the file (info only).
    public var info: ImageInfo?

    /// One item's result.
    public init(input: String, output: String?, status: BatchItemStatus, error: String?, seconds: Double, info: ImageInfo? = nil) {
        (self.input, self.output, self.status, self.error, self.seconds, self.info) = (input, output, status, error, seconds, info)
    }
}

/// What a command did, as `--json` prints it: one object on stdout for every command that takes `--json`, success or
/// not. A command that fails before its first file (no model, a bad option) prints it with `error` set and no items.
public struct BatchSummary: Sendable, Codable, Equatable {
    /// Items that produced an output.
    public var done: Int
    /// Items skipped because their output existed.
    public var skipped: Int
    /// Items that failed (bad files, missing paths, unwritable outputs).
    public var failed: Int
    /// Wall time of the whole batch in seconds.
    public var seconds: Double
    /// Every item, in processing order.
    public var items: [BatchItemResult]
    /// The command that ran ("convert", "generate"...), when known.
    public var command: String?
    /// Why the command stopped before or besides its items (nil when it ran to the end).
    public var error: String?
    /// The exit status the command ends with (0, 1, or 64 for a usage error), when it stopped with an error.
    public var exitStatus: Int32?
    /// The slice of the inputs this run took ("2/4"), nil for the whole batch.
    public var shard: String?
    /// How many inputs the whole batch has, every shard's together (with `shard`, so that merged summaries can tell
    /// whether every shard reported).
    public var batchInputs: Int?

    /// A summary of counts and items.
    public init(done: Int, skipped: Int, failed: Int, seconds: Double, items: [BatchItemResult], command: String? = nil,
                error: String? = nil, exitStatus: Int32? = nil) {
        (self.done, self.skipped, self.failed, self.seconds, self.items) = (done, skipped, failed, seconds, items)
        (self.command, self.error, self.exitStatus) = (command, error, exitStatus)
    }

    /// Whether the batch should exit non-zero.
    public var hasFailures: Bool { failed > 0 }
}

/// Options every batch command shares.
public struct BatchOptions: Sendable {
    /// Leave items whose output already exists (a complete file: outputs are written atomically).
    public var skipExisting = false
    /// Process only this slice of the sorted inputs.
    public var shard: Shard?
    /// Print one progress line per item and a summary on stderr.
    public var showsProgress = true

    /// Defaults: overwrite, no shard, progress shown.
    public init(skipExisting: Bool = false, shard: Shard? = nil, showsProgress: Bool = true) {
        self.skipExisting = skipExisting
        self.shard = shard
        self.showsProgress = showsProgress
    }
}

/// Runs one job per input with the behaviour every gantool command shares: progress on stderr,
/// a bad file reported and passed over, `--skip-existing`, `--shard`, and a summary whose
/// `hasFailures` decides the exit status. Jobs write their outputs atomically (see
/// ``FileAccess/writeAtomically(_:to:)``), so an interrupted batch leaves whole files only.
public struct BatchRunner: Sendable {
    /// The shared options.
    public var options: BatchOptions
    /// The verb progress lines use ("converted", "translated"...).
    public var verb: String

    /// A runner with `options`, reporting items as `verb`.
    public init(options: BatchOptions, verb: String) {
        self.options = options
        self.verb = verb
    }

    /// Processes `inputs` (already sorted), after reporting `problems` (arguments that named
    /// nothing) as failures. `output` maps an input to its output path, or nil when the job
    /// writes nothing; `job` does the work and writes the output.
    public func run(inputs: [BatchInput], problems: [String] = [], output: (BatchInput) -> String?,
                    job: (BatchInput, String?) throws -> Void) -> BatchSummary {
        let start = Date()
        var items: [BatchItemResult] = problems.map {
            BatchItemResult(input: $0, output: nil, status: .failed, error: $0, seconds: 0)
        }
        for problem in problems { report("error: \(problem)") }
        let mine = inputs.enumerated().filter { options.shard?.contains(position: $0.offset) ?? true }.map(\.element)
        var claimed: [String: String] = [:]
        // Set by a write that no later item can get past (a full disk, a read-only file system): the rest is not tried.
        var halted: String?
        for (n, input) in mine.enumerated() {
            let itemStart = Date()
            let target = output(input)
            var result = BatchItemResult(input: input.path, output: target, status: .done, error: nil, seconds: 0)
            if let halted {
                result.status = .failed
                result.error = "\(input.path): not processed: \(halted)"
                items.append(result)
                continue
            }
            if let target, let first = claimed[target] {
                result.status = .failed
                result.error = "\(input.path): output \(target) would overwrite the output of \(first); rename one of them"
            } else if let target, options.skipExisting, FileManager.default.fileExists(atPath: target) {
                result.status = .skipped
            } else {
                if let target { FileAccess.removeStaleTemporaryFiles(for: target) }
                do { try job(input, target) } catch {
                    result.status = .failed
                    result.error = "\(error)"
                }
            }
            if let target { claimed[target] = claimed[target] ?? input.path }
            result.seconds = Date().timeIntervalSince(itemStart)
            items.append(result)
            let counter = "[\(n + 1)/\(mine.count)]"
            switch result.status {
            case .done: report("\(counter) \(input.path)" + (target.map { " -> \($0)" } ?? "") + String(format: " (%.2fs)", result.seconds))
            case .skipped: report("\(counter) \(input.path): skipped, \(target ?? "output") exists")
            case .failed: report("\(counter) error: \(result.error ?? "failed")")
            }
            if result.status == .failed, let target, let problem = Self.unwritableDestination(result.error ?? "") {
                let reason = "the output disk is \(problem) (writing \(target))"
                halted = reason
                let left = mine.count - n - 1
                if left > 0 {
                    report("stopping: \(reason); \(left) item\(left == 1 ? "" : "s") not processed; no partial file is left: "
                           + "rerun with --skip-existing once the output can be written")
                }
            }
        }
        var summary = BatchSummary(done: items.count { $0.status == .done }, skipped: items.count { $0.status == .skipped },
                                   failed: items.count { $0.status == .failed }, seconds: Date().timeIntervalSince(start), items: items)
        summary.shard = options.shard?.description
        summary.batchInputs = inputs.count
        report(String(format: "%@ %d%@, skipped %d, failed %d in %.2fs", verb, summary.done, Self.destination(of: items),
                      summary.skipped, summary.failed, summary.seconds))
        return summary
    }

    /// Where the written outputs went, for the summary line: " to FILE" for one file, " into FOLDER" for more (the
    /// folder that holds them all), "" when nothing was written.
    static func destination(of items: [BatchItemResult]) -> String {
        let written = items.filter { $0.status == .done }.compactMap(\.output)
        guard let first = written.first else { return "" }
        if written.count == 1 { return " to \(first)" }
        var common = PathName(first).folder.split(separator: "/", omittingEmptySubsequences: false)
        for path in written.dropFirst() {
            let parts = PathName(path).folder.split(separator: "/", omittingEmptySubsequences: false)
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        let folder = common.joined(separator: "/")
        return " into " + (folder.isEmpty ? (first.hasPrefix("/") ? "/" : ".") : folder)
    }

    /// "full" or "read-only" when an item's error says its output's file system takes no more writes
    /// (ENOSPC, EDQUOT, EROFS), so that every later item would fail the same way; nil otherwise.
    static func unwritableDestination(_ error: String) -> String? {
        for (code, word) in [(ENOSPC, "full"), (EDQUOT, "full (quota exceeded)"), (EROFS, "read-only")]
            where error.hasSuffix(String(cString: strerror(code))) {
            return word
        }
        return nil
    }

    private func report(_ line: String) {
        guard options.showsProgress else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
