import ArgumentParser
import Foundation
import GANKit

/// `gantool checkpoint ...`: inspect training checkpoints.
struct Checkpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect training checkpoints, or keep a small copy of one.",
        subcommands: [CheckpointVerify.self, CheckpointKeep.self])
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

/// `gantool checkpoint keep`: the latest checkpoint of a translation run, small enough to commit.
struct CheckpointKeep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keep",
        abstract: "Copy a translation run's latest checkpoint into a small run folder that --resume takes.",
        discussion: """
            Writes DEST as a run folder of its own (checkpoints/latest.json and one step folder), replacing \
            what was there only once the copy is complete: network weights in float16, Adam moments in \
            bfloat16, no image pools (a CycleGAN ngf 32 run: 32 MB instead of 80). Resume with the run's \
            own train command plus --out DEST --resume (or from a copy of DEST); the resumed run is close to, \
            not bit for bit, the original (each weight rounded once to float16, the pools refilled).

            Examples:
              gantool checkpoint keep runs/cat2dog Models/cat2dog/training
              gantool checkpoint keep runs/cat2dog /backup/cat2dog --json
            """)

    @Argument(help: ArgumentHelp("The translation run folder (train cyclegan --out).", valueName: "run"))
    var runFolder: String

    @Argument(help: ArgumentHelp("The folder to write (replaced).", valueName: "dest"))
    var destination: String

    @Flag(help: "Print what was kept as JSON on stdout.")
    var json = false

    func run() throws {
        let kept: CompactRunState.Kept
        do { kept = try CompactRunState.keep(runFolder: runFolder, in: destination) } catch { throw failure(error) }
        if json {
            struct Report: Encodable { var step: Int; var folder: String; var bytes: Int }
            try JSONOutput.printListing(Report(step: kept.step, folder: kept.folder, bytes: kept.bytes))
        } else {
            print("kept step \(kept.step) of \(runFolder) in \(kept.folder) (\(kept.bytes / 1_000_000) MB)")
        }
    }
}
