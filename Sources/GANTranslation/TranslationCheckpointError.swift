/// What can go wrong saving or restoring a CycleGAN checkpoint or model folder.
public enum TranslationCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No checkpoint exists in the run folder.
    case noCheckpoint(folder: String)
    /// A file of the checkpoint could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// A file could not be written; the previous checkpoint stays valid.
    case cannotWrite(path: String, reason: String)
    /// Saved optimizer state does not fit the current parameters.
    case optimizerMismatch(String)
    /// Saved state does not fit the model (options, pool size, shapes).
    case mismatch(String)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case let .noCheckpoint(folder): "\(folder): no checkpoint to resume from"
        case let .unreadable(path, reason): "\(path): cannot read checkpoint: \(reason)"
        case let .cannotWrite(path, reason): "\(path): cannot write checkpoint: \(reason)"
        case let .optimizerMismatch(detail): "optimizer state: \(detail)"
        case let .mismatch(detail): "checkpoint does not fit: \(detail)"
        }
    }
}
