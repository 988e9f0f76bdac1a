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
        try schedule.run(InpaintingRecipe(run: self), dataDirectory: dataDirectory, recursive: recursive, name: name, runFolder: runFolder,
                         initialGenerator: initialGenerator, beforeStep: beforeStep)
    }
}

/// Inpainting's part of the image-conditional run: a folder of photos, nothing recorded besides the networks.
struct InpaintingRecipe: ImageModelRecipe {
    let run: InpaintingTrainingRun
    var recipe: Void { () }

    func data(in directory: String, recursive: Bool) throws -> (data: InpaintingImageFolder, count: Int) {
        let data = try InpaintingImageFolder(directory: directory, recursive: recursive)
        return (data, data.count)
    }

    func resumed(from runFolder: String) throws -> InpaintingTrainer { try InpaintingTrainer.resume(from: runFolder).trainer }

    func fresh() throws -> InpaintingTrainer {
        if let problem = run.configuration.problem ?? run.options.problem { throw GANKitError.invalidArgument(problem) }
        return InpaintingTrainer(configuration: run.configuration, options: run.options)
    }

    func initializeGenerator(of trainer: InpaintingTrainer, from model: String) throws {
        try trainer.initializeGenerator(from: try InpaintModels.load(model))
    }

    func description(of trainer: InpaintingTrainer, images: Int, in directory: String) -> String {
        let (c, o) = (trainer.configuration, trainer.options)
        return "inpainting, \(images) images in \(directory), \(c.imageSize)x\(c.imageSize) crops, \(c.architecture), batch \(o.batchSize), "
            + "loss \(o.isL1Only ? "L1 only" : "\(o.ganWeight) hinge + \(o.l1Weight) L1") (hole \(o.holeWeight), valid \(o.validWeight))"
    }
}
