import Foundation
import GANCore

/// How a CycleGAN or CUT training run reports, saves and stops (the `TrainingLoop` settings it is run with).
public struct TranslationTrainerSettings: Sendable {
    /// The run folder: checkpoints, `loss_log.csv`, `samples/`.
    public var runFolder: String
    /// Seconds between checkpoints (nil: only at the end and on a stop request).
    public var checkpointInterval: Double? = 600
    /// Steps between checkpoints (nil: by time only). With both intervals set, whichever comes first writes one.
    public var checkpointEverySteps: Int?
    /// What a NaN or Inf in a step's losses, or in the weights about to be saved, does.
    public var onNonFinite = NonFinitePolicy.stop
    /// With `.rollback`: rollbacks in a row, without a new checkpoint between them, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Seconds between sample grids (nil: none).
    public var sampleInterval: Double? = 300
    /// Seconds between progress lines on stderr (nil: silent).
    public var progressInterval: Double? = 2
    /// Where progress lines go.
    public var progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Settings for a run in `runFolder`.
    public init(runFolder: String) { self.runFolder = runFolder }
}
