import Foundation

/// The `--json` summaries of one sharded batch, merged: totals, every failed input, and which shards did not report
/// (`gantool summarize`, docs/CLUSTER.md).
public struct ShardedBatchReport: Sendable, Codable, Equatable {
    /// Every item of every summary, the totals recomputed from them; `shard` is nil and `batchInputs` the batch's size.
    public var merged: BatchSummary
    /// The shards of the batch ("3/4") with no summary among those merged.
    public var missingShards: [String]
    /// Shards reported more than once (a rerun's summary beside the first one's); the later file's items are kept.
    public var repeatedShards: [String]
    /// Summaries that stopped with an error before their items (no model, a usage error), as "file: error".
    public var stoppedRuns: [String]

    /// Whether the batch is complete and clean: every shard reported, nothing failed, no run stopped.
    public var isComplete: Bool { missingShards.isEmpty && stoppedRuns.isEmpty && merged.failed == 0 }

    /// Merges `summaries` (file name, summary), in the order given.
    public init(_ summaries: [(file: String, summary: BatchSummary)]) {
        var byShard: [String: (file: String, summary: BatchSummary)] = [:], order: [String] = []
        var repeated: [String] = [], stopped: [String] = [], counts = Set<Int>(), batchInputs: Int?
        for (n, entry) in summaries.enumerated() {
            let key = entry.summary.shard ?? "whole batch #\(n)"
            if byShard[key] == nil { order.append(key) } else if !repeated.contains(key) { repeated.append(key) }
            byShard[key] = entry
            if let error = entry.summary.error { stopped.append("\(entry.file): \(error)") }
            if let shard = entry.summary.shard.flatMap(Shard.init) { counts.insert(shard.count) }
            if let size = entry.summary.batchInputs { batchInputs = max(batchInputs ?? 0, size) }
        }
        let items = order.flatMap { byShard[$0]!.summary.items }
        var merged = BatchSummary(done: items.count { $0.status == .done }, skipped: items.count { $0.status == .skipped },
                                  failed: items.count { $0.status == .failed },
                                  seconds: order.map { byShard[$0]!.summary.seconds }.max() ?? 0, items: items,
                                  command: summaries.first?.summary.command)
        merged.batchInputs = batchInputs
        var missing: [String] = []
        for count in counts.sorted() {
            for index in 1...count where byShard["\(index)/\(count)"] == nil { missing.append("\(index)/\(count)") }
        }
        if counts.count > 1 { stopped.append("the summaries are of different shard counts (\(counts.sorted().map(String.init).joined(separator: ", ")))") }
        (self.merged, missingShards, repeatedShards, stoppedRuns) = (merged, missing, repeated, stopped)
    }

    /// Lines for a person: totals, then what is missing or failed.
    public var text: String {
        var lines = [String(format: "%d done, %d skipped, %d failed", merged.done, merged.skipped, merged.failed)
            + (merged.batchInputs.map { " of \($0) inputs" } ?? "") + (missingShards.isEmpty ? "" : "; shards missing: \(missingShards.joined(separator: ", "))")]
        lines += stoppedRuns.map { "stopped: \($0)" }
        lines += repeatedShards.map { "shard \($0) reported twice: the later summary is counted" }
        lines += merged.items.filter { $0.status == .failed }.map { "failed: \($0.error ?? $0.input)" }
        return lines.joined(separator: "\n")
    }
}
