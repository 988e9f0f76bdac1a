/// Why `TrainingLoop.run` returned.
public enum TrainingOutcome: Sendable, Equatable {
    /// The schedule is done (a final checkpoint was written).
    case finished
    /// The step limit of this invocation was reached and the loop was asked not to checkpoint there.
    case stepLimit
    /// A stop was requested through the stop flag, or the step limit was reached; a checkpoint was written.
    case stopped
    /// SIGINT, SIGTERM or SIGXCPU (a CPU-time limit) arrived (`signal` is its number); a checkpoint was written. Command-line
    /// tools exit with 128 + signal, as a shell reports a process the signal ended.
    case interrupted(signal: Int32)
}
