import Foundation
import GANConditional
import GANCore
import GANTraining

/// Samples from a trained conditional generator (a checkpoint folder written by training).
public enum ConditionalGeneration {
    /// The most images one call draws (a grid of 10000 28x28 digits is 31 MB of floats): larger requests are refused
    /// before anything is allocated.
    public static let maximumImages = 10_000

    /// Writes `count` samples of class `label` to `path`: one PNG grid of `columns` columns (default: √count) when
    /// `path` ends in .png, else one PNG per sample into the folder `path` (see `SampleOutput`). The same seed gives
    /// the same images. With `truncation` T, latent components beyond ±T are redrawn (less variety, cleaner images).
    /// With `interpolate`, the `count` images walk in latent space from the latent of `seed` to that of `seed + 1`.
    /// `modelDirectory` is a path or a name in `models` (see `folder(of:models:)`).
    /// - Throws: `TrainingFolderError` naming the folder, `ImageIOError` naming the output, `ConditionalTrainingRun.Failure`.
    public static func writeGrid(modelDirectory: String, models: String? = nil, label: Int, count: Int, seed: UInt64,
                                 truncation: Float? = nil, interpolate: Bool = false, columns: Int? = nil, to path: String) throws {
        let output = try SampleOutput(path)
        let sampler = try loadSampler(modelDirectory, models: models, truncation: truncation, count: count)
        guard (0..<sampler.generator.configuration.classCount).contains(label) else {
            throw ConditionalTrainingRun.Failure.invalid("label \(label) is outside 0..<\(sampler.generator.configuration.classCount) of \(modelDirectory)")
        }
        if interpolate {
            guard count >= 2 else { throw ConditionalTrainingRun.Failure.invalid("an interpolation needs --count of at least 2") }
            let images = sampler.interpolation(label: label, seed: seed, endSeed: seed &+ 1, steps: count, truncation: truncation)
            try output.write(images, labels: Array(repeating: label, count: count), columns: columns ?? count)
            return
        }
        let images = sampler.samples(labels: Array(repeating: label, count: count), seed: seed, truncation: truncation)
        try output.write(images, labels: Array(repeating: label, count: count),
                         columns: columns ?? Int(Double(count).squareRoot().rounded(.up)))
    }

    /// Writes `perClass` samples of every class: a grid with one row per class when `path` ends in .png, else one PNG
    /// per sample into the folder `path`.
    /// - Throws: `TrainingFolderError`, `ImageIOError`, `ConditionalTrainingRun.Failure`.
    public static func writeClassGrid(modelDirectory: String, models: String? = nil, perClass: Int, seed: UInt64,
                                      truncation: Float? = nil, to path: String) throws {
        let output = try SampleOutput(path)
        let sampler = try loadSampler(modelDirectory, models: models, truncation: truncation, count: perClass)
        let classes = sampler.generator.configuration.classCount
        guard perClass * classes <= maximumImages else {
            throw ConditionalTrainingRun.Failure.invalid("\(perClass) per class for \(classes) classes is more than the "
                + "\(maximumImages) images one run draws")
        }
        let labels = (0..<classes).flatMap { Array(repeating: $0, count: perClass) }
        try output.write(sampler.classGrid(perClass: perClass, seed: seed, truncation: truncation), labels: labels, columns: perClass)
    }

    /// Where label samples go: a PNG grid (a path ending in .png) or a folder of one PNG per sample (a path ending
    /// in "/", an existing folder, or a name without an extension), named `<label>-<index>.png` (index within the
    /// label, zero-padded).
    struct SampleOutput {
        let path: String
        let isFolder: Bool

        init(_ path: String) throws {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let ext = PathName(path).pathExtension.lowercased()
            isFolder = path.hasSuffix("/") || (exists && isDirectory.boolValue) || (!exists && ext.isEmpty)
            guard isFolder || ext == "png" else {
                throw ConditionalTrainingRun.Failure.invalid("\(path): label samples are written as PNG; give a .png grid or a folder")
            }
            self.path = path
        }

        /// Writes `images` [N, C, H, W] (sample i of class `labels[i]`) as the grid or the folder's files, atomically each.
        func write(_ images: Tensor, labels: [Int], columns: Int) throws {
            guard isFolder else { return try SampleGrid.write(images, columns: max(1, columns), to: path) }
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw ConditionalTrainingRun.Failure.invalid("\(path): cannot create the folder (\(error.localizedDescription))")
            }
            let per = images.count / max(1, images.shape[0])
            var seen: [Int: Int] = [:]
            let largestIndex = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +).values.max().map { $0 - 1 } ?? 0
            let digits = String(max(1, largestIndex)).count
            for (i, label) in labels.enumerated() {
                let index = seen[label, default: 0]
                seen[label] = index + 1
                let one = Tensor(shape: [1] + images.shape.dropFirst(), scalars: Array(images.scalars[(i * per)..<((i + 1) * per)]))
                let name = "\(label)-" + String(repeating: "0", count: max(0, digits - String(index).count)) + "\(index).png"
                try SampleGrid.write(one, columns: 1, padding: 0, to: PathName(path).appending(name))
            }
        }
    }

    /// Loads the generator after checking the request's numbers.
    private static func loadSampler(_ directory: String, models: String?, truncation: Float?, count: Int) throws -> ConditionalSampler {
        guard count > 0 else { throw ConditionalTrainingRun.Failure.invalid("count must be positive") }
        guard count <= maximumImages else {
            throw ConditionalTrainingRun.Failure.invalid("count \(count) is more than the \(maximumImages) images one run draws")
        }
        if let truncation, !(truncation > 0) { throw ConditionalTrainingRun.Failure.invalid("truncation must be positive") }
        return ConditionalSampler(generator: try ConditionalGANTrainer.loadGenerator(from: try folder(of: directory, models: models)))
    }

    /// The folder of a label-conditional model given by path (a checkpoint or model folder) or by name in the
    /// models folder (`models`, else `$GANKIT_MODELS`, else the package's `Models/`).
    /// - Throws: `ConditionalGeneratorError.notFound` listing the models folder.
    public static func folder(of nameOrPath: String, models: String? = nil) throws(ConditionalGeneratorError) -> String {
        let lookup = ModelLookup(isModel: LabelGANModel.isModelFolder, checkpoints: true, what: "a label-GAN model folder")
        switch lookup.find(nameOrPath, models: models) {
        case let .found(folder): return folder
        case let .notLoadable(path, detail): throw .unreadable(path, detail: detail)
        case let .notFound(folder, available):
            if case .found = ImageConditionalModels.lookup.find(nameOrPath, models: models) {
                throw .wrongKind(model: nameOrPath, detail: "a pix2pix model: it takes an image, not a label "
                    + "(gantool generate --model \(nameOrPath) --from IMAGE -o OUT)")
            }
            throw .notFound(nameOrPath, folder: folder, available: available)
        }
    }

    /// Writes a shippable model folder `models`/`name` (see `LabelGANModel.export`) from a training checkpoint.
    /// - Throws: `TrainingFolderError`.
    @discardableResult
    public static func export(checkpoint: String, name: String, models: String? = nil, classNames: [String] = [],
                              halfPrecision: Bool = false, standingStatistics: Int? = nil, overwrite: Bool = false) throws -> String {
        let folder = "\(TranslationModels.folder(explicit: models))/\(name)"
        try LabelGANModel.export(checkpoint: checkpoint, to: folder, name: name, classNames: classNames,
                                 halfPrecision: halfPrecision, standingStatistics: standingStatistics, overwrite: overwrite)
        return folder
    }

    /// The data folder the checkpoint in `checkpoint` was trained on (its `state.json`'s `dataset`), and whether it holds
    /// class subfolders rather than IDX files; nil when there is no readable checkpoint or it records none.
    public static func recordedDataset(of checkpoint: String) -> (directory: String, isImageFolders: Bool)? {
        guard let directory = try? ConditionalGANTrainer.readState(from: checkpoint).dataset else { return nil }
        return (directory, !IDXDataset.isPresent(in: directory))
    }

    /// The default data folder of a dataset (`mnist`, `fashion-mnist`): `$GANKIT_DATA/<name>` or
    /// `<repository>/../shared/data/<name>`.
    public static func defaultDataDirectory(_ name: String) -> String { "\(DataLocation.root())/\(name)" }
}
