import GANCore
import GANTraining

/// Everything that can go wrong reading training photos, saving or resuming an inpainting checkpoint, or loading an
/// inpainting model folder. Each case names the path at fault.
public enum InpaintingTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder holds no PNG or JPEG file.
    case noImages(path: String)
    /// A training image cannot be read.
    case badImage(path: String, detail: String)
    /// The folder has neither `state.json` (a checkpoint) nor `manifest.json` (a model).
    case missingState(path: String)
    /// `state.json` or `manifest.json` cannot be decoded, is of another format, or describes unusable networks.
    case badState(path: String, detail: String)
    /// A weight file cannot be read or written, or is too small for the networks described.
    case weights(path: String, detail: String)
    /// A weight file does not fit the networks described.
    case mismatch(path: String, detail: String)
    /// The folder cannot be created or written.
    case cannotWrite(path: String, detail: String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case let .noImages(path): "\(path): no PNG or JPEG images"
        case let .badImage(path, detail): "\(path): cannot read the image: \(detail)"
        case let .missingState(path): "\(path): neither state.json nor manifest.json (not a GANKit inpainting checkpoint or model folder)"
        case let .badState(path, detail): "\(path): bad inpainting state: \(detail)"
        case let .weights(path, detail): "\(path): \(detail)"
        case let .mismatch(path, detail): "\(path): does not fit the configuration: \(detail)"
        case let .cannotWrite(path, detail): "\(path): cannot write: \(detail)"
        }
    }
}

extension InpaintingTrainingError: CheckpointFolderError {}

/// The inpainting checkpoint folders, reporting `InpaintingTrainingError`.
typealias InpaintingCheckpointFolder = CheckpointFolder<InpaintingTrainingError>

/// The inpainting model folders, reporting `InpaintingTrainingError`.
typealias InpaintingModelFolder = ModelFolder<InpaintingTrainingError>
