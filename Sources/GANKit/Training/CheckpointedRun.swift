import Foundation
import GANCore
import GANTraining

/// The schedule fields a training job shares (pix2pix, inpainting): they become its `TrainingLoop`.
protocol CheckpointedRun {
    /// The run folder.
    var runFolder: String { get }
    /// Stop after this many steps in this invocation (a checkpoint and the model are written).
    var maxSteps: Int? { get }
    /// Steps between checkpoints (at multiples of it; nil: by time only).
    var checkpointEvery: Int? { get }
    /// Minutes between checkpoints (nil: by steps only).
    var checkpointMinutes: Double? { get }
    /// Steps between sample grids and loss-curve updates.
    var sampleEvery: Int { get }
    /// Seconds between progress lines.
    var progressSeconds: Double { get }
    /// What NaN or Inf does.
    var onNonFinite: NonFinitePolicy { get }
    /// Rollbacks in a row after which the run gives up.
    var maxConsecutiveRollbacks: Int { get }
    /// Whether SIGINT and SIGTERM end the run with a checkpoint.
    var handlesSignals: Bool { get }
    /// Where progress lines go.
    var progress: @Sendable (String) -> Void { get }
}

extension CheckpointedRun {
    /// The loop these settings describe.
    var trainingLoop: TrainingLoop {
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
