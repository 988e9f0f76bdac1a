import GANCore
import GANTraining

/// `manifest.json` of an inpainting model folder (beside `generator.safetensors`).
public struct InpaintingManifest: Codable, Sendable, Equatable {
    /// The format tag, `gankit-inpaint/1`.
    public static let currentFormat = "gankit-inpaint/1"
    /// The format tag of this file.
    public var format = InpaintingManifest.currentFormat
    /// Always `inpaint` (tells model catalogs which family reads the folder).
    public var kind = "inpaint"
    /// The model's name (its folder's name in `Models/`).
    public var name: String
    /// A readable architecture line.
    public var architecture: String
    /// The networks' shape.
    public var configuration: InpaintingConfiguration
    /// Weight of the adversarial term it was trained with (0: the L1-only baseline).
    public var ganWeight: Float
    /// Weight of the L1 term.
    public var l1Weight: Float
    /// Training steps.
    public var trainingSteps: Int
    /// Seconds of training.
    public var trainingSeconds: Double
    /// Photos per step.
    public var batchSize: Int
    /// Where the training images came from.
    public var dataset: String?
    /// GANInpainting's version that wrote it.
    public var version = GANInpainting.version
    /// The weights file, relative to the folder.
    public var generatorFile = "generator.safetensors"
    /// The model whose generator weights started the training, if any ("name, N steps"); `trainingSteps` and
    /// `trainingSeconds` count this run only.
    public var initializedFrom: String?
}

extension InpaintingManifest: ModelManifest {
    /// Why the record is not an inpainting model this code can build, or nil.
    public var problem: String? { kind == "inpaint" ? configuration.problem : "kind \(kind), expected inpaint" }
}
