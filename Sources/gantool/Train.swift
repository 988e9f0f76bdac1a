import ArgumentParser
import GANKit

/// `gantool train ...`: the training commands, one per model family.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model.",
        subcommands: [TrainCycleGAN.self, TrainCGAN.self, TrainPix2Pix.self, TrainInpaint.self])
}

/// Runs a training run, turning its errors into gantool's exits and an interrupting signal into exit 128 + signal:
/// interrupted runs are resumable, but scripts must be able to tell them from finished ones.
func train(_ run: () throws -> TrainingOutcome, distributed: DistributedFlag) throws {
    try distributed.start()
    let outcome: TrainingOutcome
    do { outcome = try run() } catch { throw failure(error) }
    distributed.finish()
    if case let .interrupted(signal) = outcome { throw ExitCode(128 + signal) }
}
