import GANCore
import GANTraining

/// Everything that can go wrong saving or resuming a conditional-GAN checkpoint. Each case names the path.
public enum ConditionalCheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder has no `state.json`.
    case missingState(path: String)
    /// `state.json` cannot be decoded or is of another format.
    case badState(path: String, detail: String)
    /// A weight file cannot be read or written.
    case weights(path: String, detail: String)
    /// A weight file does not fit the networks described by `state.json`.
    case mismatch(path: String, detail: String)
    /// The folder cannot be created or written.
    case cannotWrite(path: String, detail: String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case let .missingState(path): "\(path): no state.json (not a GANKit conditional-GAN checkpoint folder)"
        case let .badState(path, detail): "\(path): bad checkpoint state: \(detail)"
        case let .weights(path, detail): "\(path): \(detail)"
        case let .mismatch(path, detail): "\(path): does not fit the configuration: \(detail)"
        case let .cannotWrite(path, detail): "\(path): cannot write checkpoint: \(detail)"
        }
    }
}

extension ConditionalCheckpointError: CheckpointFolderError {}

/// The conditional-GAN and pix2pix checkpoint folders, reporting `ConditionalCheckpointError`.
typealias ConditionalCheckpointFolder = CheckpointFolder<ConditionalCheckpointError>

/// The pix2pix and label-GAN model folders, reporting `ConditionalCheckpointError`.
typealias ConditionalModelFolder = ModelFolder<ConditionalCheckpointError>
