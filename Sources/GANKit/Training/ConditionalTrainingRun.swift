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
    /// Handle SIGINT/SIGTERM/SIGXCPU: checkpoint and return with `ConditionalRunEnd.signal` set.
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

    /// Trains, printing progress lines through `log`; returns the last step's losses.
    /// - Throws: `IDXError`, `ImageFolderError`, `TrainingFolderError`, `ImageIOError` or `Failure`, each naming its file.
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
            let idx = try IDXDataset.load(directory: dataDirectory, split: .train, limit: limit)
            guard configuration.imageSize >= max(idx.height, idx.width) else {
                throw Failure.invalid("\(dataDirectory) holds \(idx.height)x\(idx.width) images; the image size must be at least \(max(idx.height, idx.width)), got \(configuration.imageSize)")
            }
            data = idx
        }
        guard data.classCount <= configuration.classCount, data.channels == configuration.channels else {
            throw Failure.invalid("\(dataDirectory) has \(data.classCount) classes of \(data.channels)-channel images; the model takes \(configuration.classCount) classes of \(configuration.channels)")
        }
        var checked = options   // the settings of a fresh run, or those given for the continued one
        checked.discriminatorSteps = resuming ? resumedDiscriminatorSteps ?? 1 : options.discriminatorSteps
        if let problem = checked.problem { throw Failure.invalid(problem.description) }
        var trainer: ConditionalGANTrainer
        if resuming {
            trainer = try ConditionalGANTrainer.resume(from: outputDirectory)
            log("resumed \(outputDirectory) at step \(trainer.step)")
            if let start = options.decayStartStep, let end = options.decayEndStep, (start, end) != (trainer.options.decayStartStep, trainer.options.decayEndStep) {
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
                trainer.setDiscriminatorSteps(steps)
                log("\(steps) discriminator steps per generator step from step \(trainer.step)")
            }
            if trainer.averageGenerator == nil, let decay = options.averageDecay {
                trainer.enableAverage(decay: decay)
                log("keeping a moving average of the generator (decay \(decay)) from step \(trainer.step)")
            }
        } else {
            if let problem = configuration.problem { throw Failure.invalid(problem) }
            trainer = ConditionalGANTrainer(configuration: configuration, options: options)
        }
        if let ranks = DataParallel.group?.size, let problem = trainer.options.dataParallelProblem(ranks: ranks) { throw problem }
        log("\(data.count) training images from \(dataDirectory); \(configuration.imageSize)x\(configuration.imageSize), \(configuration.classCount) classes")
        return try withoutActuallyEscaping(log) { log in
            let run = RedrawingRun(trainer, runFolder: outputDirectory, steps: steps, lossNames: ["loss_D", "loss_G"],
                                   imagesPerStep: trainer.options.batchSize, datasetCount: data.count,
                                   learningRate: { $0.learningRate },
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
