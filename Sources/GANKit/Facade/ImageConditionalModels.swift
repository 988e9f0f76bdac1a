import GANTraining
import Foundation
import GANConditional
import GANCore

/// Errors of finding an image-conditional (pix2pix) model.
public enum ImageConditionalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No folder of that name or path holds a pix2pix model.
    case unknownModel(String, folder: String, available: [String])
    /// The folder is there but cannot be loaded.
    case unreadable(String, detail: String)
    /// The name is a model of another kind (a label-conditional GAN, which takes a label, not an image).
    case wrongKind(model: String, detail: String)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .unknownModel(name, folder, available):
            "no pix2pix model '\(name)' (not a model folder, nor a model in \(folder)); models there: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case let .unreadable(path, detail): "\(path): \(detail)"
        case let .wrongKind(model, detail): "\(model): \(detail)"
        }
    }
}

/// Where pix2pix models are found: a path to a model folder, or a name in the models folder (`--models`, else
/// `$GANKIT_MODELS`, else the package's `Models/`).
public enum ImageConditionalModels {
    /// Finds pix2pix model folders: by path, a run folder's `model/`, or a name in the models folder.
    static let lookup = ModelLookup(isModel: { (try? Pix2PixModel.readManifest(folder: $0)) != nil }, runs: true,
                                    what: "a pix2pix model folder")

    /// The pix2pix models directly inside `folder`, sorted by folder name.
    public static func available(in folder: String) -> [String] { lookup.available(models: folder) }

    /// Loads `nameOrPath`: a model folder (or a run folder's `model/`), else `<models folder>/<name>`.
    /// - Throws: `ImageConditionalError`.
    public static func load(_ nameOrPath: String, models: String? = nil) throws(ImageConditionalError) -> Pix2PixModel {
        switch lookup.find(nameOrPath, models: models) {
        case let .found(folder):
            do { return try Pix2PixModel(folder: folder) } catch { throw .unreadable(folder, detail: error.description) }
        case let .notLoadable(path, detail): throw .unreadable(path, detail: detail)
        case let .notFound(folder, available):
            let labelLookup = ModelLookup(isModel: LabelGANModel.isModelFolder, checkpoints: true, what: "a label-GAN model folder")
            if case .found = labelLookup.find(nameOrPath, models: models) {
                throw .wrongKind(model: nameOrPath, detail: "a label-conditional model: it takes a class label, not an image "
                    + "(gantool generate --model \(nameOrPath) --label N -o OUT.png, or --labels all)")
            }
            throw .unknownModel(nameOrPath, folder: folder, available: available)
        }
    }
}
