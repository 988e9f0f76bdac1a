import Foundation
import GANCore
import GANInpainting
import GANTraining

/// A `gantool train inpaint` run: a folder of photos in; a run folder out holding the checkpoint (`state.json` +
/// step-stamped weights, itself loadable as a model), `loss_log.csv`, `loss_curve.png`, `samples/` (masked input |
/// output | real rows) and, at the end or on a stop, `model/` (`manifest.json`, `generator.safetensors`).
public struct InpaintingTrainingRun: Sendable {
    /// The photo folder.
    public var dataDirectory: String
    /// The run folder.
    public var runFolder: String
    /// The model's name (in its manifest).
    public var name: String
    /// Steps, stops, checkpoints, samples and progress.
    public var schedule: TrainingSchedule
    /// An inpainting model (folder, run folder or name in the models folder) whose generator weights start a new
    /// run, e.g. an L1-only run fine-tuned with the GAN loss (ignored when resuming).
    public var initialGenerator: String?
    /// Search the folder recursively.
    public var recursive = false
    /// Network shape (ignored when resuming).
    public var configuration = InpaintingConfiguration()
    /// Training settings (ignored when resuming).
    public var options = InpaintingOptions()
    /// Called before each step (tests inject faults through it).
    var beforeStep: (@Sendable (InpaintingTrainer) -> Void)?

    /// A run with the default configuration and options; the run folder defaults to `runs/<name>`.
    public init(dataDirectory: String, name: String, runFolder: String? = nil, steps: Int) {
        (self.dataDirectory, self.name, self.schedule) = (dataDirectory, name, TrainingSchedule(steps: steps))
        self.runFolder = runFolder ?? "runs/\(name)"
    }

    /// Trains; returns how the run ended (`.finished` at `steps`, `.stopped` at `maxSteps`, `.interrupted` on a signal).
    /// - Throws: `GANKitError.invalidArgument`, `TrainingFolderError`, `InpaintingError`, `ImageIOError`,
    ///   `NonFiniteTrainingError`.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        if let problem = schedule.problem { throw GANKitError.invalidArgument(problem) }
        let (steps, progress) = (schedule.steps, schedule.progress)
        let data = try InpaintingImageFolder(directory: dataDirectory, recursive: recursive)
        let trainer = try schedule.trainer(in: runFolder, resumed: { try InpaintingTrainer.resume(from: runFolder).trainer }) {
            if let problem = configuration.problem ?? options.problem { throw GANKitError.invalidArgument(problem) }
            let trainer = InpaintingTrainer(configuration: configuration, options: options)
            if let initialGenerator {
                try trainer.initializeGenerator(from: try InpaintModels.load(initialGenerator))
                progress("generator initialised from \(trainer.initializedFrom ?? initialGenerator)")
            }
            return trainer
        }
        try FileAccess.makeFolders(runFolder)
        let c = trainer.configuration
        let o = trainer.options
        progress("training \(name): inpainting, \(data.count) images in \(dataDirectory), \(c.imageSize)x\(c.imageSize) crops, \(c.architecture), "
                 + "batch \(o.batchSize), loss \(o.isL1Only ? "L1 only" : "\(o.ganWeight) hinge + \(o.l1Weight) L1") (hole \(o.holeWeight), valid \(o.validWeight)), "
                 + "from step \(trainer.step) to \(steps); run folder \(runFolder)")
        let run = RedrawingRun(imageConditional: trainer, data: data, count: data.count, recipe: (), name: name,
                               dataDirectory: dataDirectory, runFolder: runFolder, steps: steps, progress: progress)
        run.beforeStep = beforeStep
        return try schedule.loop(runFolder: runFolder).run(run)
    }
}
