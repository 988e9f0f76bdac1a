import Foundation
import GANCore
import GANImageIO

/// `manifest.json` of a translation model folder (beside `G_A.safetensors` and `G_B.safetensors`).
public struct TranslationManifest: Sendable, Equatable, Codable {
    /// Always "gankit-cyclegan".
    public var format = "gankit-cyclegan"
    /// Format version.
    public var version = 1
    /// The model's name (its folder's name by convention).
    public var name: String
    /// Name of domain A (G_A translates A to B).
    public var domainA: String
    /// Name of domain B (G_B translates B to A).
    public var domainB: String
    /// The architecture (and training settings) the weights belong to.
    public var options: CycleGANOptions
    /// Training steps behind the weights, when known.
    public var trainingSteps: Int?
    /// Wall-clock seconds of training behind the weights (over all resumed runs), when known.
    public var trainingSeconds: Double?
    /// Free-form notes (data, licence, evaluation).
    public var notes: [String: String]?
    /// The generators the folder holds when that is not both of a CycleGAN: ["G_A"] for a one-direction import of
    /// one official checkpoint. nil: what `options.method` implies (CycleGAN both, CUT G_A alone).
    public var generators: [String]?

    /// Creates a manifest.
    public init(name: String, domainA: String, domainB: String, options: CycleGANOptions, trainingSteps: Int? = nil,
                trainingSeconds: Double? = nil, notes: [String: String]? = nil) {
        (self.name, self.domainA, self.domainB, self.options) = (name, domainA, domainB, options)
        (self.trainingSteps, self.trainingSeconds, self.notes) = (trainingSteps, trainingSeconds, notes)
    }

    /// Decodes and checks the bytes of a `manifest.json`; `path` names it in errors.
    /// - Throws: `TranslationCheckpointError.unreadable` when they are not a well-formed manifest of format "gankit-cyclegan".
    public init(jsonBytes bytes: [UInt8], path: String = "<memory>") throws(TranslationCheckpointError) {
        do { self = try JSONDecoder().decode(TranslationManifest.self, from: Data(bytes)) } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        guard format == "gankit-cyclegan" else { throw .unreadable(path: path, reason: "format '\(format)' is not gankit-cyclegan") }
    }
}

/// A translation model folder: `manifest.json`, `G_A.safetensors` (A → B) and, for CycleGAN, `G_B.safetensors`
/// (B → A), weights under PyTorch's names. A CUT or FastCUT model (`options.method`) has G_A only: it goes A → B;
/// a U-GAT-IT model's generators are `UGATITGenerator`s.
public struct TranslationModel: Sendable {
    /// The folder.
    public let folder: String
    /// Its manifest.
    public let manifest: TranslationManifest

    /// Reads the manifest of `folder`.
    /// - Throws: `TranslationCheckpointError.unreadable` when it is missing or malformed.
    public init(folder: String) throws(TranslationCheckpointError) {
        self.folder = folder
        let path = folder + "/manifest.json"
        let bytes: [UInt8]
        do { bytes = try FileAccess.readAll(path) } catch { throw .unreadable(path: path, reason: "\(error)") }
        manifest = try TranslationManifest(jsonBytes: bytes, path: path)
    }

    /// A model over the generators of a training checkpoint folder (`<run>/checkpoints/step-N`, which holds
    /// `G_A.safetensors`, `G_B.safetensors` and `state.json`): the manifest is made from the saved options and step.
    /// - Throws: `TranslationCheckpointError.unreadable` when `state.json` is missing or malformed.
    public init(checkpoint folder: String, domainA: String = "A", domainB: String = "B") throws(TranslationCheckpointError) {
        let state: CycleGANTrainingState = try CycleGANCheckpoint.readJSON(folder + "/state.json")
        self.folder = folder
        manifest = TranslationManifest(name: PathName(folder).lastComponent, domainA: domainA, domainB: domainB,
                                       options: state.options, trainingSteps: state.step, trainingSeconds: state.trainingSeconds)
    }

    /// The same folder and weights with the domains renamed (for checkpoints, whose domains are "A" and "B").
    public init(renaming model: TranslationModel, domainA: String, domainB: String) {
        folder = model.folder
        var manifest = model.manifest
        (manifest.domainA, manifest.domainB) = (domainA, domainB)
        self.manifest = manifest
    }

    /// Whether the model translates both ways (CycleGAN), or only A → B (CUT, FastCUT).
    public var translatesBothWays: Bool { manifest.generators.map { $0.contains("G_B") } ?? manifest.options.method.isBidirectional }

    /// The generators the folder holds: "G_A" and "G_B", or "G_A" alone for a one-direction model.
    public var generatorNames: [String] { translatesBothWays ? ["G_A", "G_B"] : ["G_A"] }

    /// "cats -> dogs" or "cats <-> dogs".
    public var directionDescription: String {
        "\(manifest.domainA) \(translatesBothWays ? "<->" : "->") \(manifest.domainB)"
    }

    /// Which generator translates into `domain` ("G_A" into B, "G_B" into A), or nil when neither domain matches
    /// (compared case-insensitively) or the model has no generator into it (domain A of a one-direction model).
    public func generatorName(to domain: String) -> String? {
        if domain.caseInsensitiveCompare(manifest.domainB) == .orderedSame { return "G_A" }
        if domain.caseInsensitiveCompare(manifest.domainA) == .orderedSame { return translatesBothWays ? "G_B" : nil }
        return nil
    }

    /// Builds the generator `name` ("G_A" or "G_B") of the model's method (a `ResnetGenerator`, or a
    /// `UGATITGenerator` for U-GAT-IT) and loads its weights.
    /// - Throws: `TranslationCheckpointError.mismatch` when the model has no such generator (G_B of a one-direction model),
    ///   else weight-file errors.
    public func loadGenerator(_ name: String) throws -> Module {
        guard generatorNames.contains(name) else {
            throw TranslationCheckpointError.mismatch("model '\(manifest.name)' only translates \(manifest.domainA) to \(manifest.domainB) "
                                           + "(a \(manifest.options.method.rawValue) model has no \(name))")
        }
        let path = "\(folder)/\(name).safetensors"
        let options = manifest.options
        // A U-GAT-IT generator holds all of a ResnetGenerator's convolutions and as many residual blocks again.
        try StateDict.checkFile(path, canHold: options.generatorOptions.resnetGeneratorParameterLowerBound)
        var rng = SeededGenerator(seed: 0)
        let generator: Module = options.method == .ugatit ? UGATITGenerator(ngf: options.ngf, blocks: options.resnetBlocks, using: &rng)
            : ResnetGenerator(options: options.generatorOptions, using: &rng)
        try generator.load(contentsOf: path)
        generator.eval()
        return generator
    }

    /// Writes a model folder from a trained model: its generators (both for CycleGAN, G_A for CUT) and the
    /// manifest, each file atomically.
    public static func export<Model: TranslationTrainable>(_ model: Model, manifest: TranslationManifest, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, generator) in model.exportedGenerators {
            try SafeTensors.write(generator.stateDict(), to: "\(folder)/\(name).safetensors")
        }
        try CycleGANCheckpoint.writeJSON(manifest, to: folder + "/manifest.json")
    }
}
