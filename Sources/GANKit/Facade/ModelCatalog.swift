import GANTraining
import Foundation
import GANConditional
import GANTranslation

/// Where the models folder came from (see ``TranslationModels/folder(explicit:)``).
public enum ModelsFolderSource: String, Sendable, Codable, Equatable {
    /// Given on the command line (`--models`).
    case option
    /// The `GANKIT_MODELS` environment variable.
    case environment
    /// The `Models/` folder found by walking up from the executable (the package's own folder).
    case package
}

/// One model as `gantool models` lists it.
public struct ModelSummary: Sendable, Codable, Equatable {
    /// The model's name (from its manifest).
    public var name: String
    /// Its folder.
    public var folder: String
    /// The manifest's format ("gankit-cyclegan": unpaired translation).
    public var kind: String
    /// Domain A (G_A translates A to B).
    public var domainA: String
    /// Domain B (G_B translates B to A).
    public var domainB: String
    /// The generators' architecture, e.g. "resnet_9blocks, ngf 64, instance norm" or "ugatit light, 3 + 3 blocks, ngf 32".
    public var architecture: String
    /// Training steps behind the weights, when the manifest records them.
    public var trainingSteps: Int?
    /// Problems that will stop the model from running (a missing generator file), empty when none.
    public var problems: [String]
    /// True for a translation model that only goes A -> B (CUT, FastCUT); nil for two-way and other models.
    public var oneWay: Bool?

    /// The summary of a model folder read by `TranslationModel(folder:)`.
    public init(model: TranslationModel) {
        let m = model.manifest
        (name, folder, kind, domainA, domainB) = (m.name, model.folder, m.format, m.domainA, m.domainB)
        architecture = m.options.method == .ugatit
            ? "ugatit light, \(m.options.resnetBlocks) + \(m.options.resnetBlocks) blocks, ngf \(m.options.ngf)"
            : "resnet_\(m.options.resnetBlocks)blocks, ngf \(m.options.ngf), \(m.options.norm.rawValue) norm"
        trainingSteps = m.trainingSteps
        if !model.translatesBothWays {
            oneWay = true
            architecture += ", \(m.options.method.rawValue), A -> B only"
        }
        problems = model.generatorNames.filter { !FileManager.default.fileExists(atPath: "\(model.folder)/\($0).safetensors") }
            .map { "missing \($0).safetensors" }
    }
}

extension ModelSummary {
    /// The summary of a pix2pix model folder: domain A is its input (gray, edges, A), domain B its output.
    public init(folder: String, pix2pix m: Pix2PixManifest) {
        (name, self.folder, kind, architecture, trainingSteps) = (m.name, folder, m.format, m.architecture, m.trainingSteps)
        switch m.task ?? .pairs {
        case .colorize: (domainA, domainB) = ("gray", "color")
        case .edges: (domainA, domainB) = ("edges", "photo")
        case .pairs: (domainA, domainB) = ("A", "B")
        }
        problems = FileManager.default.fileExists(atPath: "\(folder)/\(m.generatorFile)") ? [] : ["missing \(m.generatorFile)"]
    }
}

/// A folder inside the models folder that is not a usable model, and why.
public struct SkippedModelFolder: Sendable, Codable, Equatable {
    /// The folder.
    public var folder: String
    /// Why it was skipped (the manifest's error).
    public var reason: String
}

/// What `gantool models` prints: the models folder, where it came from, its models and the folders it skipped.
public struct ModelCatalog: Sendable, Codable, Equatable {
    /// The models folder.
    public var folder: String
    /// How the folder was chosen.
    public var source: ModelsFolderSource
    /// The models, sorted by folder name.
    public var models: [ModelSummary]
    /// Sub-folders that hold something other than a readable model (hidden folders are ignored).
    public var skipped: [SkippedModelFolder]

    /// Scans the models folder that ``TranslationModels/folder(explicit:)`` resolves from `explicit`.
    public init(explicit: String? = nil) {
        let folder = TranslationModels.folder(explicit: explicit)
        let source: ModelsFolderSource
        if let explicit, !explicit.isEmpty { source = .option }
        else if let env = ProcessInfo.processInfo.environment["GANKIT_MODELS"], !env.isEmpty { source = .environment }
        else { source = .package }
        self.init(folder: folder, source: source)
    }

    /// Why a folder without a manifest is not a model yet, when one of its subfolders holds a run's resumable
    /// checkpoint (`training/` of a model in training, `judge-training/` of its evaluation's classifier) or the trained
    /// classifier alone (`judge/`), or nil.
    static func runStateReason(_ path: String) -> String? {
        for sub in ["training", "judge-training"] {
            guard let state = try? String(contentsOfFile: "\(path)/\(sub)/state.json", encoding: .utf8) else { continue }
            let how = switch CheckpointReport.Kind.of(stateJSON: state) {
            case .cgan: "continue it with gantool train cgan -o \(path)/\(sub) --resume"
            case .judge: "continue it with gantool eval train-domain-classifier --run <a copy> --resume; see \(path)/README.md"
            default: "see \(path)/README.md"
            }
            return "not a model yet: \(sub)/ holds a run's resumable checkpoint (\(how))"
        }
        if FileManager.default.fileExists(atPath: "\(path)/judge/classifier.json") {
            return "not a model yet: judge/ holds the classifier its translations are judged by (see \(path)/README.md)"
        }
        return nil
    }

    /// Scans `folder`: every non-hidden sub-folder is a model (a readable `manifest.json`) or is listed as skipped.
    public init(folder: String, source: ModelsFolderSource) {
        (self.folder, self.source) = (folder, source)
        models = []
        skipped = []
        let files = FileManager.default
        for entry in ((try? files.contentsOfDirectory(atPath: folder)) ?? []).sorted() where !entry.hasPrefix(".") {
            let path = folder + "/" + entry
            var isFolder: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            if !files.fileExists(atPath: path + "/manifest.json"), let reason = Self.runStateReason(path) {
                skipped.append(SkippedModelFolder(folder: path, reason: reason))
                continue
            }
            if let pix2pix = try? Pix2PixModel.readManifest(folder: path) {
                models.append(ModelSummary(folder: path, pix2pix: pix2pix))
                continue
            }
            if let manifest = try? InpaintingModel.readManifest(folder: path) {
                models.append(ModelSummary(folder: path, inpaint: manifest))
                continue
            }
            if LabelGANModel.isModelFolder(path) {
                do { models.append(ModelSummary(folder: path, labelGAN: try LabelGANModel.readManifest(folder: path))) } catch {
                    skipped.append(SkippedModelFolder(folder: path, reason: error.description))
                }
                continue
            }
            do {
                models.append(ModelSummary(model: try TranslationModel(folder: path)))
            } catch {
                skipped.append(SkippedModelFolder(folder: path, reason: error.description))
            }
        }
    }

    /// A human-readable listing: one line per model (name, domains, architecture, folder), then the skipped folders.
    public var text: String {
        let origin: String
        switch source {
        case .option: origin = "--models"
        case .environment: origin = "$GANKIT_MODELS"
        case .package: origin = "the Models/ folder of GANKit"
        }
        var lines = ["models in \(folder) (from \(origin)):"]
        if models.isEmpty { lines.append("  none") }
        let width = models.map(\.name.count).max() ?? 0
        for m in models {
            var line = "  " + m.name.padding(toLength: width, withPad: " ", startingAt: 0)
            line += "  \(m.domainA) \(m.kind.hasPrefix("gankit-pix2pix") || m.kind.hasPrefix("gankit-label-gan") || m.kind.hasPrefix("gankit-inpaint") || m.oneWay == true ? "->" : "<->") \(m.domainB)  [\(m.architecture)]"
            if let steps = m.trainingSteps { line += "  \(steps) steps" }
            line += "  \(m.folder)"
            if !m.problems.isEmpty { line += "  (\(m.problems.joined(separator: ", ")))" }
            lines.append(line)
        }
        for s in skipped { lines.append("  skipped \(s.folder): \(s.reason)") }
        return lines.joined(separator: "\n")
    }
}

extension ModelSummary {
    /// The summary of a label-conditional model folder: domain A is "labels" (with the class count), domain B "images".
    public init(folder: String, labelGAN m: LabelGANManifest) {
        (name, self.folder, kind, architecture, trainingSteps) = (m.name, folder, m.format, m.architecture, m.trainingSteps)
        (domainA, domainB) = ("\(m.configuration.classCount) labels", "images")
        problems = FileManager.default.fileExists(atPath: "\(folder)/\(m.generatorFile)") ? [] : ["missing \(m.generatorFile)"]
    }
}

extension ModelSummary {
    /// The summary of an inpainting model folder: domain A is an image with holes and a mask, domain B the filled image.
    public init(folder: String, inpaint m: InpaintingManifest) {
        (name, self.folder, kind, architecture, trainingSteps) = (m.name, folder, m.format, m.architecture, m.trainingSteps)
        (domainA, domainB) = ("image + mask", "filled image")
        problems = FileManager.default.fileExists(atPath: "\(folder)/\(m.generatorFile)") ? [] : ["missing \(m.generatorFile)"]
    }
}
