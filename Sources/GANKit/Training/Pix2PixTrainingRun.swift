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
        if let problem = schedule.problem { throw GANKitError.invalidArgument(problem) }
        let (steps, progress) = (schedule.steps, schedule.progress)
        var data = try PairedImageFolder(directory: dataDirectory, task: task, recursive: recursive)
        data.reversed = reversed
        let trainer = try schedule.trainer(in: runFolder, resumed: {
            let (resumed, state) = try Pix2PixTrainer.resume(from: runFolder)
            guard state.task == task else { throw GANKitError.invalidArgument("\(runFolder) trains task \(state.task?.rawValue ?? "none"), not \(task.rawValue)") }
            return resumed
        }) {
            var configuration = self.configuration
            (configuration.inputChannels, configuration.outputChannels) = (task.inputChannels, 3)
            if let problem = configuration.problem ?? options.problem { throw GANKitError.invalidArgument(problem) }
            let trainer = Pix2PixTrainer(configuration: configuration, options: options)
            if let initialGenerator {
                try trainer.initializeGenerator(from: try ImageConditionalModels.load(initialGenerator))
                progress("generator initialised from \(trainer.initializedFrom ?? initialGenerator)")
            }
            return trainer
        }
        try FileAccess.makeFolders(runFolder)
        let c = trainer.configuration
        progress("training \(name): \(task.rawValue), \(data.count) images in \(dataDirectory), \(c.imageSize)x\(c.imageSize), \(c.architecture), "
                 + "loss \(trainer.options.isL1Only ? "L1 only" : "\(trainer.options.loss.rawValue) + \(trainer.options.l1Weight) L1"), "
                 + "from step \(trainer.step) to \(steps); run folder \(runFolder)")
        let run = RedrawingRun(imageConditional: trainer, data: data, count: data.count, recipe: task, name: name,
                               dataDirectory: dataDirectory, runFolder: runFolder, steps: steps, progress: progress)
        run.beforeStep = beforeStep
        return try schedule.loop(runFolder: runFolder).run(run)
    }
}
