import Foundation
import GANConditional
import GANCore
import GANTraining

/// A label-conditional GAN training run as gantool drives it: data, model shape, schedule, and a
/// checkpoint folder that holds the weights (`generator-*.safetensors`, ...), `state.json` and a
/// per-class sample grid `samples.png` (one row per class).
public struct ConditionalTrainingRun: Sendable {
    /// Folder with the IDX files (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`),
    /// or with one subfolder per class when `dataIsImageFolders`.
    public var dataDirectory: String
    /// The checkpoint folder.
    public var outputDirectory: String
    /// Train until this many steps in total have been taken.
    public var steps: Int
    /// Save a checkpoint and a sample grid every this many steps (and at the end).
    public var checkpointEvery = 500
    /// Print the losses every this many steps.
    public var logEvery = 50
    /// Also keep the checkpoint of every step that is a multiple of this (a multiple of `checkpointEvery`, or the last
    /// step) as `snapshots/step-NNNNNNNN/` in the output folder: a whole checkpoint folder, to evaluate, export or fork
    /// later (nil: keep only the latest checkpoint).
    public var snapshotEvery: Int?
    /// `dataDirectory` holds one subfolder of images per class (any PNG/JPEG, cropped and resized)
    /// instead of IDX files; the class count comes from the folders.
    public var dataIsImageFolders = false
    /// Use only the first `limit` training images (IDX data).
    public var limit: Int?
    /// Continue from the checkpoint in `outputDirectory` (model and options come from it).
    public var resume = false
    /// Image size, widths, latent size (ignored when resuming).
    public var configuration = ConditionalGANConfiguration()
    /// Batch size, learning rates, seed (ignored when resuming, except that an `averageDecay` starts a generator
    /// average in a resumed run that keeps none, and a learning-rate decay (`decayStartStep`, `decayEndStep`), a
    /// diversity term, a consistency weight or a top-k fraction replaces the run's).
    public var options = ConditionalTrainingOptions()
    /// Discriminator steps per generator step for a resumed run (nil: the run's own); ignored for a fresh run, which
    /// takes `options.discriminatorSteps`.
    public var resumedDiscriminatorSteps: Int?
    /// What a NaN or Inf in the losses (checked every step) or the weights (checked before every save) does: stop
    /// with `NonFiniteTrainingError` and the last checkpoint untouched, or roll back to that checkpoint and draw
    /// another batch for the step that went bad.
    public var onNonFinite = NonFinitePolicy.stop
    /// With `.rollback`: rollbacks in a row, without a new checkpoint between them, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Handle SIGINT/SIGTERM: checkpoint and return with `ConditionalRunEnd.signal` set.
    public var handlesSignals = true
    /// Called before each step with the trainer: tests inject faults (a NaN weight) through it.
    var beforeStep: (@Sendable (ConditionalGANTrainer) -> Void)?

    /// Creates a run; tune the other fields before calling `run`.
    public init(dataDirectory: String, outputDirectory: String, steps: Int) {
        (self.dataDirectory, self.outputDirectory, self.steps) = (dataDirectory, outputDirectory, steps)
    }

    /// Where `snapshotEvery` keeps the checkpoint of `step`: `<outputDirectory>/snapshots/step-NNNNNNNN`.
    public static func snapshotFolder(_ outputDirectory: String, step: Int) -> String {
        "\(outputDirectory)/snapshots/" + String(format: "step-%08d", step)
    }

    /// The names `setLoss(named:)` accepts: minimax, nonsaturating, lsgan, hinge.
    public static let lossNames = ConditionalLoss.allCases.map(\.rawValue)

    /// Sets `options.loss` by name; returns `false` (and changes nothing) for an unknown name.
    public mutating func setLoss(named name: String) -> Bool {
        guard let loss = ConditionalLoss(rawValue: name) else { return false }
        options.loss = loss
        return true
    }

    /// Problems running it.
    public enum Failure: Error, CustomStringConvertible {
        /// The output folder already holds a checkpoint and `resume` is off.
        case checkpointExists(String)
        /// A setting is invalid.
        case invalid(String)

        /// A one-line explanation.
        public var description: String {
            switch self {
            case let .checkpointExists(path): "\(path) already holds a checkpoint: pass --resume to continue it, or choose another folder"
            case let .invalid(detail): detail
            }
        }
    }

    /// Throws `Failure.invalid` for a negative diversity or consistency weight, a top-k fraction outside (0, 1], or a
    /// diversity quantile outside (0, 1) or without a weight.
    static func checkTerms(_ options: ConditionalTrainingOptions) throws {
        if let weight = options.consistencyWeight, !(weight >= 0 && weight.isFinite) { throw Failure.invalid("the consistency weight must be >= 0, got \(weight)") }
        if let weight = options.diversityWeight, !(weight >= 0 && weight.isFinite) { throw Failure.invalid("the diversity weight must be >= 0, got \(weight)") }
        if let fraction = options.generatorTopFraction, !(fraction > 0 && fraction <= 1) {
            throw Failure.invalid("the top-k fraction must be in (0, 1], got \(fraction)")
        }
        if let quantile = options.diversityQuantile {
            guard quantile > 0 && quantile < 1 else { throw Failure.invalid("the diversity quantile must be in (0, 1), got \(quantile)") }
            guard options.diversityWeight != nil else { throw Failure.invalid("a diversity quantile needs a diversity weight") }
        }
    }

    /// Trains, printing progress lines through `log`; returns the last step's losses.
    /// - Throws: `IDXError`, `ImageFolderError`, `ConditionalCheckpointError`, `ImageIOError` or `Failure`, each naming its file.
    @discardableResult
    public func run(log: (String) -> Void) throws -> ConditionalRunEnd {
        guard steps >= 0, checkpointEvery > 0, logEvery > 0, (snapshotEvery ?? 1) > 0 else { throw Failure.invalid("steps must be >= 0, intervals > 0") }
        let statePath = "\(outputDirectory)/state.json"
        let resuming = FileManager.default.fileExists(atPath: statePath)
        if resuming && !resume { throw Failure.checkpointExists(outputDirectory) }
        var configuration = resuming ? try ConditionalGANTrainer.readState(from: outputDirectory).configuration : self.configuration
        let data: any LabeledImageDataset
        if dataIsImageFolders {
            data = try ImageFolderDataset(directory: dataDirectory, size: configuration.imageSize, channels: configuration.channels)
            if !resuming { configuration.classCount = data.classCount }
        } else {
            data = try IDXDataset.load(directory: dataDirectory, split: .train, limit: limit)
        }
        guard data.classCount <= configuration.classCount, data.channels == configuration.channels else {
            throw Failure.invalid("\(dataDirectory) has \(data.classCount) classes of \(data.channels)-channel images; the model takes \(configuration.classCount) classes of \(configuration.channels)")
        }
        var trainer: ConditionalGANTrainer
        if resuming {
            trainer = try ConditionalGANTrainer.resume(from: outputDirectory)
            log("resumed \(outputDirectory) at step \(trainer.step)")
            try Self.checkTerms(options)   // the diversity, consistency and top-k settings given for the continued run
            if let start = options.decayStartStep, let end = options.decayEndStep, (start, end) != (trainer.options.decayStartStep, trainer.options.decayEndStep) {
                guard end > start, start >= 0 else { throw Failure.invalid("the learning-rate decay must end after it starts") }
                trainer.setLearningRateDecay(start: start, end: end)
                log("learning rates decay linearly from step \(start) to zero at step \(end)")
            }
            if let weight = options.diversityWeight,
               (weight, options.diversityQuantile) != (trainer.options.diversityWeight, trainer.options.diversityQuantile) {
                trainer.setDiversity(weight: weight, quantile: options.diversityQuantile)
                log("diversity term (weight \(weight)\(options.diversityQuantile.map { ", target quantile \($0)" } ?? "")) from step \(trainer.step)")
            }
            if let weight = options.consistencyWeight, weight != trainer.options.consistencyWeight {
                trainer.setConsistency(weight: weight)
                log("consistency regularization (weight \(weight)) from step \(trainer.step)")
            }
            if let fraction = options.generatorTopFraction, fraction != trainer.options.generatorTopFraction {
                trainer.setGeneratorTopFraction(fraction)
                log("top-k training: G's loss on the best-scored \(Int((100 * fraction).rounded()))% of its batch from step \(trainer.step)")
            }
            if let steps = resumedDiscriminatorSteps, steps != trainer.options.discriminatorSteps {
                guard steps > 0 else { throw Failure.invalid("discriminator steps must be positive, got \(steps)") }
                trainer.setDiscriminatorSteps(steps)
                log("\(steps) discriminator steps per generator step from step \(trainer.step)")
            }
            if trainer.averageGenerator == nil, let decay = options.averageDecay {
                guard decay >= 0 && decay < 1 else { throw Failure.invalid("the average decay must be in [0, 1), got \(decay)") }
                trainer.enableAverage(decay: decay)
                log("keeping a moving average of the generator (decay \(decay)) from step \(trainer.step)")
            }
        } else {
            if let problem = configuration.problem { throw Failure.invalid(problem) }
            guard options.batchSize > 0, options.discriminatorSteps > 0 else { throw Failure.invalid("batch size and discriminator steps must be positive") }
            if let decay = options.averageDecay, !(decay >= 0 && decay < 1) { throw Failure.invalid("the average decay must be in [0, 1), got \(decay)") }
            if let start = options.decayStartStep, let end = options.decayEndStep, !(end > start && start >= 0) {
                throw Failure.invalid("the learning-rate decay must end after it starts")
            }
            if let weight = options.classLossWeight, !(weight >= 0 && weight.isFinite) { throw Failure.invalid("the class loss weight must be >= 0, got \(weight)") }
            try Self.checkTerms(options)
            trainer = ConditionalGANTrainer(configuration: configuration, options: options)
        }
        log("\(data.count) training images from \(dataDirectory); \(configuration.imageSize)x\(configuration.imageSize), \(configuration.classCount) classes")
        return try withoutActuallyEscaping(log) { log in
            let run = RedrawingRun(trainer, runFolder: outputDirectory, steps: steps, lossNames: ["loss_D", "loss_G"],
                                   imagesPerStep: trainer.options.batchSize, datasetCount: data.count,
                                   learningRate: { $0.options.generatorLearningRate },
                                   trainStep: { trainer in let l = trainer.trainStep(on: data); return (l.step, [l.discriminator, l.generator]) },
                                   save: { [outputDirectory, dataDirectory, snapshotEvery] trainer in
                                       try trainer.saveCheckpoint(to: outputDirectory, dataset: dataDirectory)
                                       try ConditionalSampler(generator: trainer.samplingGenerator)
                                           .writeClassGrid(to: "\(outputDirectory)/samples.png", perClass: 8, seed: trainer.options.seed)
                                       if let every = snapshotEvery, trainer.step > 0, trainer.step % every == 0 {
                                           try ConditionalGANTrainer.keepSnapshot(of: outputDirectory, at: Self.snapshotFolder(outputDirectory, step: trainer.step))
                                       }
                                   },
                                   savedStep: { [outputDirectory] in (try? ConditionalGANTrainer.readState(from: outputDirectory))?.step },
                                   reload: { [outputDirectory] in try ConditionalGANTrainer.resume(from: outputDirectory) })
            run.line = { trainer, record, rate in
                let losses = trainer.lastLosses
                let distance = losses?.pairDistance.map { String(format: "  pair_L1 %.4f", $0) } ?? ""
                let consistency = losses?.consistency.map { String(format: "  consistency %.4f", $0) } ?? ""
                return String(format: "step %d/%d  loss_D %.4f  loss_G %.4f", record.step, steps, record.values[0], record.values[1])
                    + distance + consistency + String(format: "  (%.2f steps/s)", rate)
            }
            var signal: Int32?
            run.end = { [outputDirectory] trainer, outcome in
                if case let .interrupted(number) = outcome {
                    signal = number
                    log("stopped by signal \(number) at step \(trainer.step); checkpoint written (continue with --resume)")
                } else {
                    log("saved \(outputDirectory) at step \(trainer.step)")
                }
            }
            run.beforeStep = beforeStep
            var loop = TrainingLoop(runFolder: outputDirectory)
            loop.checkpointEvery = [.steps(checkpointEvery)]
            loop.progressEvery = .steps(logEvery)
            loop.onNonFinite = onNonFinite
            loop.maxConsecutiveRollbacks = maxConsecutiveRollbacks
            loop.handlesSignals = handlesSignals
            loop.progress = log
            try loop.run(run)
            return ConditionalRunEnd(losses: run.trainer.lastLosses, signal: signal)
        }
    }
}

/// How a label-GAN training run ended.
public struct ConditionalRunEnd: Sendable {
    /// The losses of the last step taken, if any.
    public var losses: ConditionalStepLosses?
    /// The signal (SIGINT, SIGTERM) that stopped the run after its checkpoint, or nil when it reached its steps.
    public var signal: Int32?
}

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
    /// - Throws: `ConditionalCheckpointError` naming the folder, `ImageIOError` naming the output, `ConditionalTrainingRun.Failure`.
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
    /// - Throws: `ConditionalCheckpointError`, `ImageIOError`, `ConditionalTrainingRun.Failure`.
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
    /// - Throws: `ConditionalCheckpointError`.
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
