import Foundation
import GANCore
import GANInpainting
import GANTraining

/// A `gantool train inpaint` run: a folder of photos in; a run folder out holding the checkpoint (`state.json` +
/// step-stamped weights, itself loadable as a model), `loss_log.csv`, `loss_curve.png`, `samples/` (masked input |
/// output | real rows) and, at the end or on a stop, `model/` (`manifest.json`, `generator.safetensors`).
public struct InpaintingTrainingRun: CheckpointedRun, Sendable {
    /// The photo folder.
    public var dataDirectory: String
    /// The run folder.
    public var runFolder: String
    /// The model's name (in its manifest).
    public var name: String
    /// Train until this many steps in total.
    public var steps: Int
    /// An inpainting model (folder, run folder or name in the models folder) whose generator weights start a new
    /// run, e.g. an L1-only run fine-tuned with the GAN loss (ignored when resuming).
    public var initialGenerator: String?
    /// Stop after this many steps in this invocation (a checkpoint and the model are written).
    public var maxSteps: Int?
    /// Steps between checkpoints (nil: by time only); with `checkpointMinutes` too, whichever comes first.
    public var checkpointEvery: Int?
    /// Minutes between checkpoints (nil: by steps only).
    public var checkpointMinutes: Double? = 10
    /// Steps between sample grids and loss-curve updates.
    public var sampleEvery = 200
    /// Seconds between progress lines.
    public var progressSeconds = 2.0
    /// Search the folder recursively.
    public var recursive = false
    /// Continue the run folder's checkpoint (its configuration and options are used).
    public var resume = false
    /// Network shape (ignored when resuming).
    public var configuration = InpaintingConfiguration()
    /// Training settings (ignored when resuming).
    public var options = InpaintingOptions()
    /// What a NaN or Inf in the losses or the weights does: stop, or roll back to the last checkpoint and draw
    /// another batch for the step that went bad.
    public var onNonFinite = NonFinitePolicy.stop
    /// With `.rollback`: rollbacks in a row without a new checkpoint, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Handle SIGINT/SIGTERM: checkpoint, write the model, return `.interrupted`.
    public var handlesSignals = true
    /// Where progress lines go.
    public var progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Called before each step (tests inject faults through it).
    var beforeStep: (@Sendable (InpaintingTrainer) -> Void)?

    /// A run with the default configuration and options; the run folder defaults to `runs/<name>`.
    public init(dataDirectory: String, name: String, runFolder: String? = nil, steps: Int) {
        (self.dataDirectory, self.name, self.steps) = (dataDirectory, name, steps)
        self.runFolder = runFolder ?? "runs/\(name)"
    }

    /// Trains; returns how the run ended (`.finished` at `steps`, `.stopped` at `maxSteps`, `.interrupted` on a signal).
    /// - Throws: `GANKitError.invalidArgument`, `InpaintingTrainingError`, `InpaintingError`, `ImageIOError`,
    ///   `NonFiniteTrainingError`.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        guard steps >= 0, sampleEvery > 0, checkpointEvery.map({ $0 > 0 }) ?? true, checkpointMinutes.map({ $0 > 0 }) ?? true else {
            throw GANKitError.invalidArgument("steps must be >= 0 and the checkpoint and sample intervals positive")
        }
        let fm = FileManager.default
        let hasCheckpoint = fm.fileExists(atPath: "\(runFolder)/state.json")
        if hasCheckpoint && !resume { throw GANKitError.invalidArgument("\(runFolder) already holds a checkpoint: pass --resume, or another --name or --out") }
        let data = try InpaintingImageFolder(directory: dataDirectory, recursive: recursive)
        var trainer: InpaintingTrainer
        if hasCheckpoint {
            trainer = try InpaintingTrainer.resume(from: runFolder).trainer
            progress("resumed \(runFolder) at step \(trainer.step)")
        } else {
            if let problem = configuration.problem ?? options.problem { throw GANKitError.invalidArgument(problem) }
            trainer = InpaintingTrainer(configuration: configuration, options: options)
            if let initialGenerator {
                try trainer.initializeGenerator(from: try InpaintModels.load(initialGenerator))
                progress("generator initialised from \(trainer.initializedFrom ?? initialGenerator)")
            }
        }
        try FileAccess.makeFolders(runFolder)
        let c = trainer.configuration
        let o = trainer.options
        progress("training \(name): inpainting, \(data.count) images in \(dataDirectory), \(c.imageSize)x\(c.imageSize) crops, \(c.architecture), "
                 + "batch \(o.batchSize), loss \(o.isL1Only ? "L1 only" : "\(o.ganWeight) hinge + \(o.l1Weight) L1") (hole \(o.holeWeight), valid \(o.validWeight)), "
                 + "from step \(trainer.step) to \(steps); run folder \(runFolder)")
        let run = RedrawingRun(trainer, runFolder: runFolder, steps: steps, lossNames: InpaintingLosses.names, imagesPerStep: o.batchSize,
                               datasetCount: data.count, learningRate: { $0.options.learningRate },
                               trainStep: { trainer in let losses = try trainer.trainStep(on: data); return (losses.step, losses.values) },
                               save: { [runFolder, dataDirectory] trainer in try trainer.saveCheckpoint(to: runFolder, dataset: dataDirectory) },
                               savedStep: { [runFolder] in (try? InpaintingTrainer.readState(from: runFolder))?.step },
                               reload: { [runFolder] in try InpaintingTrainer.resume(from: runFolder).trainer })
        run.samples = { trainer in try self.writeSamples(trainer, data: data) }
        run.end = { [name, dataDirectory, runFolder, progress] trainer, _ in
            try self.writeSamples(trainer, data: data)
            try InpaintingModel.write(trainer, name: name, dataset: dataDirectory, to: "\(runFolder)/model")
            progress("step \(trainer.step): checkpoint in \(runFolder), model written to \(runFolder)/model (copy it into Models/ to use it by name)")
        }
        run.beforeStep = beforeStep
        return try trainingLoop.run(run)
    }

    /// Writes `samples/step-N.png` and `samples/latest.png` (rows: masked input | output | real for the first 4
    /// photos, centre crops, fixed masks) and `loss_curve.png`.
    func writeSamples(_ trainer: InpaintingTrainer, data: InpaintingImageFolder) throws {
        let folder = "\(runFolder)/samples"
        try FileAccess.makeFolders(folder)
        try trainer.writeSamples(of: data, to: ["\(folder)/" + String(format: "step-%08d.png", trainer.step), "\(folder)/latest.png"])
        try LossCurve.write(forLogIn: runFolder)
    }
}
