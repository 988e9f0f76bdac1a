import ArgumentParser
import GANKit

/// The checkpoint, sample and resume flags `train pix2pix` and `train inpaint` share.
struct RunScheduleFlags: ParsableArguments {
    @Option(help: "Stop after this many steps in this invocation (checkpoint and model written).")
    var maxSteps: Int?

    @Option(help: "Steps between checkpoints (in addition to --checkpoint-minutes).")
    var checkpointEvery: Int?

    @Option(help: "Minutes between checkpoints.")
    var checkpointMinutes = 10.0

    @Option(help: "Steps between sample grids and loss-curve updates.")
    var sampleEvery = 200

    @Option(help: ArgumentHelp("On NaN or Inf: stop, or roll back to the last checkpoint and draw another batch.", valueName: "stop|rollback"))
    var onNonfinite = "stop"

    @Flag(help: "Continue the run folder's checkpoint.")
    var resume = false

    @OptionGroup var distributed: DistributedFlag

    /// `schedule` with these flags set.
    func applied(to schedule: TrainingSchedule) -> TrainingSchedule {
        var schedule = schedule
        (schedule.resume, schedule.maxSteps, schedule.onNonFinite) = (resume, maxSteps, nonFinitePolicy)
        (schedule.checkpointEvery, schedule.checkpointMinutes, schedule.sampleEvery) = (checkpointEvery, checkpointMinutes, sampleEvery)
        return schedule
    }

    /// The policy `--on-nonfinite` names.
    var nonFinitePolicy: NonFinitePolicy { NonFinitePolicy(rawValue: onNonfinite) ?? .stop }

    func validate() throws {
        guard NonFinitePolicy(rawValue: onNonfinite) != nil else { throw ValidationError("--on-nonfinite takes stop or rollback") }
        guard sampleEvery > 0, checkpointMinutes > 0, checkpointEvery.map({ $0 > 0 }) ?? true, maxSteps.map({ $0 >= 0 }) ?? true else {
            throw ValidationError("--sample-every, --checkpoint-minutes and --checkpoint-every must be positive, --max-steps >= 0")
        }
    }
}
