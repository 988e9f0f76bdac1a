import ArgumentParser
import Foundation
import GANKit

/// `gantool checkpoint ...`: inspect training checkpoints.
struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect training checkpoints.",
        subcommands: [CheckpointVerify.self])
}

/// `gantool checkpoint verify`: loads every checkpoint of training folders.
struct CheckpointVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Load every checkpoint of training folders in full and check them for NaN and Inf.",
        discussion: """
            Takes CycleGAN and CUT run folders (train cyclegan [--objective cut] --out) and conditional-GAN folders (train cgan -o). \
            Each checkpoint on disk is loaded as --resume would load it: weights (with CUT's NCE heads), optimizer moments, \
            pools and state. Leftovers of interrupted saves are listed; --resume ignores them and the \
            next checkpoint removes them. Exits 1 if a folder has no checkpoint to resume from or a \
            checkpoint does not load.

            Examples:
              gantool checkpoint verify runs/cat2dog
              gantool checkpoint verify runs/mnist --json
            """)

    @Argument(help: "Training folders.")
    var folders: [String]

    @Flag(help: "Print the reports as JSON on stdout.")
    var json = false

    func run() throws {
        let reports = folders.map(CheckpointVerification.verify)
        if json {
            try JSONOutput.printListing(reports)
        } else {
            print(reports.map(\.text).joined(separator: "\n"))
        }
        if !reports.allSatisfy(\.isValid) { throw ExitCode(1) }
    }
}
