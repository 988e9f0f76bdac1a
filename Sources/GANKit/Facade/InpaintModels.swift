import GANTraining
import GANInpainting
import Foundation

/// Finds inpainting models: by path (a model folder with `manifest.json` of kind `inpaint`, or a training run or
/// checkpoint folder) or by name in the models folder (`--models`, else `$GANKIT_MODELS`, else the package's `Models/`).
public enum InpaintModels {
    /// Whether `folder` holds an inpainting model folder (a readable `gankit-inpaint` manifest).
    public static func isModelFolder(_ folder: String) -> Bool { (try? InpaintingModel.readManifest(folder: folder)) != nil }

    /// Finds inpainting models: by path (model, run or checkpoint folder) or by name in the models folder.
    static let lookup = ModelLookup(isModel: isModelFolder, runs: true, checkpoints: true, what: "an inpainting model folder")

    /// The names of the inpainting models directly inside the models folder, sorted.
    public static func available(models: String? = nil) -> [String] { lookup.available(models: models) }

    /// The folder of the model `nameOrPath`: a path to a model folder, a run folder (its `model/`), a checkpoint folder
    /// (`state.json`), or a name in the models folder. With nil, the only inpainting model of the models folder.
    /// - Throws: `InpaintModelError`.
    public static func folder(of nameOrPath: String?, models: String? = nil) throws(InpaintModelError) -> String {
        guard let nameOrPath else {
            let names = available(models: models)
            guard names.count == 1 else { throw .noDefault(folder: TranslationModels.folder(explicit: models), available: names) }
            return "\(TranslationModels.folder(explicit: models))/\(names[0])"
        }
        switch lookup.find(nameOrPath, models: models) {
        case let .found(folder): return folder
        case let .notLoadable(path, detail): throw .unreadable(path, detail: detail)
        case let .notFound(folder, available): throw .notFound(nameOrPath, folder: folder, available: available)
        }
    }

    /// Loads the model `nameOrPath` (see ``folder(of:models:)``).
    /// - Throws: `InpaintModelError`.
    public static func load(_ nameOrPath: String?, models: String? = nil) throws(InpaintModelError) -> InpaintingModel {
        let folder = try folder(of: nameOrPath, models: models)
        do { return try InpaintingModel(folder: folder) } catch { throw .unreadable(folder, detail: error.description) }
    }
}
