import Foundation
import GANCore
import GANImageIO

/// One step's losses as the loop logs them.
public protocol StepLosses {
    /// The loss columns, in `values` order.
    static var names: [String] { get }
    /// The step they belong to (1 for the first).
    var step: Int { get }
    /// The losses in `names` order.
    var values: [Float] { get }
}

/// The batch size and learning rate of a trainer's options, as the loop logs them.
public protocol StepOptions {
    /// Images per step.
    var batchSize: Int { get }
    /// Adam's learning rate.
    var learningRate: Float { get }
}

/// A trainer of an image-conditional model (an image in, an image out: pix2pix, inpainting) as its training run drives
/// it: the family supplies its networks, losses, data, checkpoint and model folder through these requirements, and
/// `RedrawingRun(imageConditional:...)` does the rest in the `TrainingLoop`.
public protocol ImageConditionalTrainer: RedrawingTrainer {
    /// The training images.
    associatedtype Data
    /// What the checkpoint and the model record besides the networks and options (pix2pix: its task; inpainting: nothing).
    associatedtype Recipe
    /// One step's losses.
    associatedtype Losses: StepLosses
    /// The training settings.
    associatedtype Options: StepOptions
    /// The checkpoint record.
    associatedtype State: CheckpointFolderState
    /// The training settings.
    var options: Options { get }
    /// The model whose generator weights the run started from ("name, N steps"), or nil for random weights.
    var initializedFrom: String? { get }
    /// One step on a batch drawn from `data`.
    func trainStep(on data: Data) throws -> Losses
    /// Writes the checkpoint into `folder` (`dataset` recorded as given).
    func saveCheckpoint(to folder: String, recipe: Recipe, dataset: String?) throws
    /// The record of the checkpoint in `folder`.
    static func readState(from folder: String) throws -> State
    /// The trainer of the checkpoint in `folder`, continuing exactly, and its record.
    static func resume(from folder: String) throws -> (trainer: Self, state: State)
    /// Writes the grid of the first `count` images to each of `paths`.
    func writeSamples(of data: Data, count: Int, to paths: [String]) throws
    /// Writes the model folder `folder`.
    func writeModel(recipe: Recipe, name: String, dataset: String?, to folder: String) throws
}

extension RedrawingRun where Trainer: ImageConditionalTrainer {
    /// The run of an image-conditional trainer over `data` (`count` images) in `runFolder`: checkpoints there, sample
    /// grids in `samples/` with the loss curve, and at the end the last grid and the model folder `model/`.
    public convenience init(imageConditional trainer: Trainer, data: Trainer.Data, count: Int, recipe: Trainer.Recipe, name: String,
                            dataDirectory: String, runFolder: String, steps: Int, progress: @escaping @Sendable (String) -> Void) {
        self.init(trainer, runFolder: runFolder, steps: steps, lossNames: Trainer.Losses.names, imagesPerStep: trainer.options.batchSize,
                  datasetCount: count, learningRate: { $0.options.learningRate },
                  trainStep: { trainer in let losses = try trainer.trainStep(on: data); return (losses.step, losses.values) },
                  save: { trainer in try trainer.saveCheckpoint(to: runFolder, recipe: recipe, dataset: dataDirectory) },
                  savedStep: { (try? Trainer.readState(from: runFolder))?.step },
                  reload: { try Trainer.resume(from: runFolder).trainer })
        /// `samples/step-N.png`, `samples/latest.png` and `loss_curve.png`.
        func writeSamples(_ trainer: Trainer) throws {
            let folder = "\(runFolder)/samples"
            try FileAccess.makeFolders(folder)
            try trainer.writeSamples(of: data, count: 4, to: ["\(folder)/" + String(format: "step-%08d.png", trainer.step), "\(folder)/latest.png"])
            try LossCurve.write(forLogIn: runFolder)
        }
        samples = writeSamples
        end = { trainer, _ in
            try writeSamples(trainer)
            try trainer.writeModel(recipe: recipe, name: name, dataset: dataDirectory, to: "\(runFolder)/model")
            progress("step \(trainer.step): checkpoint in \(runFolder), model written to \(runFolder)/model (copy it into Models/ to use it by name)")
        }
    }
}
