import GANCore
import GANTraining

/// `manifest.json` of a pix2pix model folder (beside `generator.safetensors`).
public struct Pix2PixManifest: Codable, Sendable, Equatable {
    /// The format tag, `gankit-pix2pix-model/1`.
    public static let currentFormat = "gankit-pix2pix-model/1"
    /// The format tag of this file.
    public var format = Pix2PixManifest.currentFormat
    /// Always `pix2pix` (tells model catalogs which family reads the folder).
    public var kind = "pix2pix"
    /// The model's name (its folder's name in `Models/`).
    public var name: String
    /// What the model maps.
    public var task: Pix2PixTask
    /// A readable architecture line (`unet_256 ngf 64 dropout, patchgan ...`).
    public var architecture: String
    /// The networks' shape.
    public var configuration: Pix2PixConfiguration
    /// The adversarial loss it was trained with.
    public var loss: ConditionalLoss
    /// Weight of the adversarial term (0: the L1-only baseline).
    public var ganWeight: Float
    /// Weight of the L1 term.
    public var l1Weight: Float
    /// Training steps.
    public var trainingSteps: Int
    /// Seconds of training.
    public var trainingSeconds: Double
    /// Pairs per step.
    public var batchSize: Int
    /// Where the training images came from.
    public var dataset: String?
    /// GANConditional's version that wrote it.
    public var version = GANConditional.version
    /// The weights file, relative to the folder.
    public var generatorFile = "generator.safetensors"
    /// The model whose generator weights started the training, if any ("name, N steps"); `trainingSteps` and
    /// `trainingSeconds` count this run only.
    public var initializedFrom: String?
}

extension Pix2PixManifest: ModelManifest {
    /// Why the networks cannot be built, or the task and the network disagree on the input channels; nil when usable.
    public var problem: String? {
        if let problem = configuration.problem { return problem }
        guard configuration.inputChannels == task.inputChannels else {
            return "task \(task.rawValue) takes \(task.inputChannels) input channels, the network \(configuration.inputChannels)"
        }
        return nil
    }
}
