import GANCore

/// What an image-conditional family (pix2pix, inpainting) records in its model folder's `manifest.json` beside the
/// fields every such model has.
public protocol GeneratorModelFamily: AdversarialFamily {
    /// The adversarial loss it records, when it records one (pix2pix); `Never` when not.
    associatedtype Loss: Codable & Sendable & Equatable
    /// The format tag of its model folders (`gankit-pix2pix-model/1`).
    static var modelFormat: String { get }
    /// Its `kind` (`pix2pix`, `inpaint`): which family reads the folder.
    static var kind: String { get }
    /// Why a manifest of the family cannot be used (networks, task), or nil.
    static func problem(of manifest: GeneratorModelManifest<Self>) -> String?
}

/// `manifest.json` of a pix2pix or inpainting model folder (beside `generator.safetensors`); its JSON is the families'
/// own of before (`task` and `loss` only where the family has them).
public struct GeneratorModelManifest<Family: GeneratorModelFamily>: ModelManifest, Sendable, Equatable {
    /// The family's format tag.
    public static var currentFormat: String { Family.modelFormat }
    /// The format tag of this file.
    public var format = Family.modelFormat
    /// The family (tells model catalogs which family reads the folder).
    public var kind = Family.kind
    /// The model's name (its folder's name in `Models/`).
    public var name: String
    /// What the model maps (pix2pix); nil for a family without a choice.
    public var task: Family.Task?
    /// A readable architecture line (`unet_256 ngf 64 dropout, patchgan ...`).
    public var architecture: String
    /// The networks' shape.
    public var configuration: Family.Configuration
    /// The adversarial loss it was trained with (pix2pix); nil where the family does not record it.
    public var loss: Family.Loss?
    /// Weight of the adversarial term (0: the L1-only baseline).
    public var ganWeight: Float
    /// Weight of the L1 term.
    public var l1Weight: Float
    /// Training steps.
    public var trainingSteps: Int
    /// Seconds of training.
    public var trainingSeconds: Double
    /// Images per step.
    public var batchSize: Int
    /// Where the training images came from.
    public var dataset: String?
    /// The family module's version that wrote it.
    public var version = Family.version
    /// The weights file, relative to the folder.
    public var generatorFile = "generator.safetensors"
    /// The model whose generator weights started the training, if any ("name, N steps"); `trainingSteps` and
    /// `trainingSeconds` count this run only.
    public var initializedFrom: String?

    /// A manifest with the family's format, kind and version.
    public init(name: String, task: Family.Task? = nil, architecture: String, configuration: Family.Configuration, loss: Family.Loss? = nil,
                ganWeight: Float, l1Weight: Float, trainingSteps: Int, trainingSeconds: Double, batchSize: Int, dataset: String?,
                generatorFile: String = "generator.safetensors", initializedFrom: String? = nil) {
        (self.name, self.task, self.architecture, self.configuration, self.loss) = (name, task, architecture, configuration, loss)
        (self.ganWeight, self.l1Weight, self.trainingSteps, self.trainingSeconds) = (ganWeight, l1Weight, trainingSteps, trainingSeconds)
        (self.batchSize, self.dataset, self.generatorFile, self.initializedFrom) = (batchSize, dataset, generatorFile, initializedFrom)
    }

    /// Why the record is not a model of the family this code can build, or nil.
    public var problem: String? { kind == Family.kind ? Family.problem(of: self) : "kind \(kind), expected \(Family.kind)" }
}

extension GeneratorModelManifest: Codable {}
