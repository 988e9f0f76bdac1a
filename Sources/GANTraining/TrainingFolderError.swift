import GANCore

/// What can go wrong saving or resuming a training checkpoint folder or reading and writing a model folder of the
/// pix2pix, inpainting and label-GAN families. Each case names the path at fault.
public enum TrainingFolderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder has neither `state.json` (a checkpoint) nor `manifest.json` (a model).
    case missingState(path: String)
    /// `state.json` or `manifest.json` cannot be decoded, is of another format, or describes unusable networks.
    case badState(path: String, detail: String)
    /// A weight file cannot be read, or is too small for the networks described.
    case weights(path: String, detail: String)
    /// A weight file does not fit the networks described.
    case mismatch(path: String, detail: String)
    /// A checkpoint cannot be written; the previous one stays.
    case cannotWrite(path: String, detail: String)
    /// A model folder cannot be written; an older one stays as it was.
    case cannotWriteModel(path: String, detail: String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case let .missingState(path): "\(path): neither state.json nor manifest.json (not a GANKit checkpoint or model folder)"
        case let .badState(path, detail): "\(path): bad checkpoint or model state: \(detail)"
        case let .weights(path, detail): "\(path): \(detail)"
        case let .mismatch(path, detail): "\(path): does not fit the configuration: \(detail)"
        case let .cannotWrite(path, detail): "\(path): cannot write checkpoint: \(detail)"
        case let .cannotWriteModel(path, detail): "\(path): cannot write the model folder: \(detail)"
        }
    }
}

extension TrainingFolderError: CheckpointFolderError {}

/// The checkpoint folders of the pix2pix, inpainting and label-GAN trainers.
public typealias TrainingCheckpointFolder = CheckpointFolder<TrainingFolderError>
