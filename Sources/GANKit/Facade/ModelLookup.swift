import Foundation

/// How every command finds a model given by name or by path, whatever its family: one rule, one wording.
///
/// `nameOrPath` is tried as a path first: a folder holding `manifest.json` (a model folder), then, where `runs` allows,
/// its `model/` sub-folder (a training run folder), then, where `checkpoints` allows, a folder holding `state.json` (a
/// training checkpoint). A plain name (no `/`) is then looked up in the models folder (`models`, else
/// `$GANKIT_MODELS`, else the package's `Models/`), where only folders that `isModel` accepts count.
struct ModelLookup: Sendable {
    /// What a lookup found.
    enum Outcome: Equatable {
        /// The folder to load.
        case found(String)
        /// `nameOrPath` is a folder, but not one this lookup can load; `detail` says what it lacks.
        case notLoadable(String, detail: String)
        /// Nothing of that name: the models folder searched and the models of this kind in it.
        case notFound(folder: String, available: [String])
    }

    /// Whether a folder holds a model of the wanted kind (a readable manifest of that family).
    let isModel: @Sendable (String) -> Bool
    /// Whether a run folder (its `model/` sub-folder) is accepted.
    var runs = false
    /// Whether a training checkpoint folder (`state.json`) is accepted.
    var checkpoints = false
    /// What a loadable folder holds, for the `notLoadable` message ("an inpainting model folder").
    var what = "a model folder"

    /// The models of this kind directly inside the models folder, sorted by folder name.
    func available(models: String?) -> [String] {
        let root = TranslationModels.folder(explicit: models)
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { !$0.hasPrefix(".") && isModel("\(root)/\($0)") }.sorted()
    }

    /// Finds `nameOrPath` (see the type's description).
    func find(_ nameOrPath: String, models: String?) -> Outcome {
        let fm = FileManager.default
        for candidate in runs ? [nameOrPath, "\(nameOrPath)/model"] : [nameOrPath]
        where fm.fileExists(atPath: "\(candidate)/manifest.json") { return .found(candidate) }
        if checkpoints && fm.fileExists(atPath: "\(nameOrPath)/state.json") { return .found(nameOrPath) }
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: nameOrPath, isDirectory: &isFolder), isFolder.boolValue {
            let lacks = checkpoints ? "no manifest.json) nor a training checkpoint (no state.json)" : "no manifest.json)"
            return .notLoadable(nameOrPath, detail: (checkpoints ? "neither " : "not ") + "\(what) (\(lacks)")
        }
        let root = TranslationModels.folder(explicit: models)
        if !nameOrPath.contains("/") && isModel("\(root)/\(nameOrPath)") { return .found("\(root)/\(nameOrPath)") }
        return .notFound(folder: root, available: available(models: models))
    }
}
