import Foundation
import GANCore
import GANTraining

/// How far a training run goes and when it checkpoints, samples and reports: the settings the image-conditional runs
/// (pix2pix, inpainting) share, which become their `TrainingLoop`.
public struct TrainingSchedule: Sendable {
    /// Train until this many steps in total.
    public var steps: Int
    /// Stop after this many steps in this invocation (a checkpoint and the model are written).
    public var maxSteps: Int?
    /// Continue the run folder's checkpoint (its configuration and options are used).
    public var resume = false
    /// Steps between checkpoints, at multiples of it (nil: by time only); with `checkpointMinutes` too, whichever
    /// comes first.
    public var checkpointEvery: Int?
    /// Minutes between checkpoints (nil: by steps only).
    public var checkpointMinutes: Double? = 10
    /// Steps between sample grids and loss-curve updates.
    public var sampleEvery = 200
    /// Seconds between progress lines.
    public var progressSeconds = 2.0
    /// What a NaN or Inf in the losses or the weights does: stop, or roll back to the last checkpoint and draw
    /// another batch for the step that went bad.
    public var onNonFinite = NonFinitePolicy.stop
    /// With `.rollback`: rollbacks in a row without a new checkpoint, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Handle SIGINT/SIGTERM/SIGXCPU: checkpoint, write the model, return `.interrupted`.
    public var handlesSignals = true
    /// Where progress lines go (by default standard error; in a data-parallel run rank 0's alone).
    public var progress: @Sendable (String) -> Void = { if DataParallel.group?.isLeader ?? true { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }

    /// A schedule to `steps` with the defaults above.
    public init(steps: Int) { self.steps = steps }

    /// Why the schedule cannot run, or nil.
    public var problem: String? {
        guard steps >= 0, sampleEvery > 0, checkpointEvery.map({ $0 > 0 }) ?? true, checkpointMinutes.map({ $0 > 0 }) ?? true,
              maxSteps.map({ $0 >= 0 }) ?? true else {
            return "steps must be >= 0 and the checkpoint and sample intervals positive"
        }
        return nil
    }

    /// The trainer a run in `runFolder` starts from: its checkpoint's (`resumed`, only with `resume`) when the folder
    /// holds one, else `fresh()`.
    /// - Throws: `GANKitError.invalidArgument` for a checkpoint without `resume`, or what the closures throw.
    func trainer<Trainer: RedrawingTrainer>(in runFolder: String, resumed: () throws -> Trainer, fresh: () throws -> Trainer) throws -> Trainer {
        guard FileManager.default.fileExists(atPath: "\(runFolder)/state.json") else { return try fresh() }
        guard resume else { throw GANKitError.invalidArgument("\(runFolder) already holds a checkpoint: pass --resume, or another --name or --out") }
        let trainer = try resumed()
        progress("resumed \(runFolder) at step \(trainer.step)")
        return trainer
    }

    /// The loop over `runFolder` these settings describe.
    func loop(runFolder: String) -> TrainingLoop {
        var loop = TrainingLoop(runFolder: runFolder)
        loop.maxSteps = maxSteps
        loop.checkpointEvery = [checkpointEvery.map { .steps($0) }, checkpointMinutes.map { .seconds($0 * 60) }].compactMap { $0 }
        loop.sampleEvery = .steps(sampleEvery)
        loop.progressEvery = .seconds(progressSeconds)
        loop.onNonFinite = onNonFinite
        loop.maxConsecutiveRollbacks = maxConsecutiveRollbacks
        loop.handlesSignals = handlesSignals
        loop.progress = progress
        return loop
    }
}
