import ArgumentParser
import Foundation
import GANKit

/// `gantool summarize`: merges the `--json` summaries of a sharded batch.
struct Summarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the --json summaries of a sharded batch: totals, what failed, which shards are missing.",
        discussion: """
            Each shard of a batch (--shard i/n or --shard auto, docs/CLUSTER.md) writes its own \
            summary with --json. This reads them all, counts what was done, skipped and failed, \
            lists every failed input and every shard that did not report, and exits 1 unless \
            the whole batch is done. A shard rerun with --skip-existing replaces its earlier \
            summary when given later.

            Examples:
              gantool summarize logs/shard-*.json
              gantool summarize logs/*.json --json > batch.json
            """)

    @Argument(help: ArgumentHelp("The shards' --json summaries.", valueName: "summary.json"))
    var summaries: [String]

    @Flag(help: "Print the merged report as JSON on stdout.")
    var json = false

    func run() throws {
        var read: [(file: String, summary: BatchSummary)] = [], unreadable: [String] = []
        for file in summaries {
            do {
                read.append((file, try JSONDecoder().decode(BatchSummary.self, from: Data(contentsOf: URL(fileURLWithPath: file)))))
            } catch {
                unreadable.append("\(file): not a gantool --json summary (\(error.localizedDescription))")
            }
        }
        var report = ShardedBatchReport(read)
        report.stoppedRuns += unreadable
        if json {
            try JSONOutput.printListing(report)
        } else {
            print(report.text)
        }
        if !report.isComplete { throw ExitCode(1) }
    }
}
