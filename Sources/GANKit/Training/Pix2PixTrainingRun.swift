import Foundation
import GANConditional
import GANCore
import GANTraining

/// A `gantool train pix2pix` run: a folder of pairs (A|B files) or of photos (colorize, edges) in; a run folder out
/// holding the checkpoint (`state.json` + step-stamped weights), `loss_log.csv`, `loss_curve.png`, `samples/`
/// (input | output | target rows) and, at the end or on a stop, `model/` (`manifest.json`, `generator.safetensors`).
public struct Pix2PixTrainingRun: Sendable {
    /// The image folder.
    public var dataDirectory: String
    /// How pairs are made.
    public var task: Pix2PixTask
    /// The run folder.
    public var runFolder: String
    /// The model's name (in its manifest).
    public var name: String
    /// Steps, stops, checkpoints, samples and progress.
    public var schedule: TrainingSchedule
    /// A pix2pix model (folder or name in the models folder) whose generator weights start a new run, e.g. the
    /// L1-only baseline fine-tuned with the GAN loss (ignored when resuming).
    public var initialGenerator: String?
    /// For `.pairs`: learn B → A.
    public var reversed = false
    /// Search the folder recursively.
    public var recursive = false
    /// Network shape (ignored when resuming; the channels follow the task).
    public var configuration = Pix2PixConfiguration()
    /// Training settings (ignored when resuming).
    public var options = Pix2PixOptions()
    /// Called before each step (tests inject faults through it).
    var beforeStep: (@Sendable (Pix2PixTrainer) -> Void)?

    /// The loss names `setLoss(named:)` takes: minimax, nonsaturating, lsgan, hinge.
    public static let lossNames = ConditionalLoss.allCases.map(\.rawValue)

    /// A run with pix2pix's defaults; the run folder defaults to `runs/<name>`.
    public init(dataDirectory: String, task: Pix2PixTask, name: String, runFolder: String? = nil, steps: Int) {
        (self.dataDirectory, self.task, self.name, self.schedule) = (dataDirectory, task, name, TrainingSchedule(steps: steps))
        self.runFolder = runFolder ?? "runs/\(name)"
    }

    /// Sets `options.loss` by name; false (nothing changed) for an unknown name.
    public mutating func setLoss(named name: String) -> Bool {
        guard let loss = ConditionalLoss(rawValue: name) else { return false }
        options.loss = loss
        return true
    }

    /// Trains; returns how the run ended (`.finished` at `steps`, `.stopped` at `maxSteps`, `.interrupted` on a signal).
    /// - Throws: `GANKitError.invalidArgument`, `PairedDataError`, `TrainingFolderError`, `ImageIOError`, `NonFiniteTrainingError`.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        try schedule.run(Pix2PixRecipe(run: self), dataDirectory: dataDirectory, recursive: recursive, name: name, runFolder: runFolder,
                         initialGenerator: initialGenerator, beforeStep: beforeStep)
    }
}

/// Pix2pix's part of the image-conditional run: pairs made by the task, the task checked on resume.
struct Pix2PixRecipe: ImageModelRecipe {
    let run: Pix2PixTrainingRun
    var recipe: Pix2PixTask { run.task }

    func data(in directory: String, recursive: Bool) throws -> (data: PairedImageFolder, count: Int) {
        var data = try PairedImageFolder(directory: directory, task: run.task, recursive: recursive)
        data.reversed = run.reversed
        return (data, data.count)
    }

    func resumed(from runFolder: String) throws -> Pix2PixTrainer {
        let (resumed, state) = try Pix2PixTrainer.resume(from: runFolder)
        guard state.task == run.task else { throw GANKitError.invalidArgument("\(runFolder) trains task \(state.task?.rawValue ?? "none"), not \(run.task.rawValue)") }
        return resumed
    }

    func fresh() throws -> Pix2PixTrainer {
        var configuration = run.configuration
        (configuration.inputChannels, configuration.outputChannels) = (run.task.inputChannels, 3)
        if let problem = configuration.problem ?? run.options.problem { throw GANKitError.invalidArgument(problem) }
        return Pix2PixTrainer(configuration: configuration, options: run.options)
    }

    func initializeGenerator(of trainer: Pix2PixTrainer, from model: String) throws {
        try trainer.initializeGenerator(from: try ImageConditionalModels.load(model))
    }

    func description(of trainer: Pix2PixTrainer, images: Int, in directory: String) -> String {
        let (c, o) = (trainer.configuration, trainer.options)
        return "\(run.task.rawValue), \(images) images in \(directory), \(c.imageSize)x\(c.imageSize), \(c.architecture), "
            + "loss \(o.isL1Only ? "L1 only" : "\(o.loss.rawValue) + \(o.l1Weight) L1")"
    }
}
