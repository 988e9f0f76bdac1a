import Foundation
import GANImageIO

/// A trainer of an image-conditional model (an image in, an image out: pix2pix, inpainting) as its training run drives
/// it: the family supplies its networks, losses, data, checkpoint and model folder through these requirements, and
/// `RedrawingRun(imageConditional:...)` does the rest in the `TrainingLoop`.
public protocol ImageConditionalTrainer: RedrawingTrainer {
    /// The training images.
    associatedtype Data
    /// What the checkpoint and the model record besides the networks and options (pix2pix: its task; inpainting: nothing).
    associatedtype Recipe
    /// The loss columns of a step, in `loopStep` order.
    static var lossNames: [String] { get }
    /// Images per step.
    var imagesPerStep: Int { get }
    /// The learning rate logged.
    var loggedLearningRate: Float { get }
    /// One step on a batch drawn from `data`: the step completed and its losses in `lossNames` order.
    func loopStep(on data: Data) throws -> (step: Int, values: [Float])
    /// Writes the checkpoint into `folder` (`dataset` recorded as given).
    func saveCheckpoint(to folder: String, recipe: Recipe, dataset: String?) throws
    /// The step of the checkpoint in `folder`, if it holds a readable one.
    static func savedStep(in folder: String) -> Int?
    /// The trainer of the checkpoint in `folder`, continuing exactly.
    static func resumed(from folder: String) throws -> Self
    /// Writes one sample grid to each of `paths`.
    func writeSampleGrid(of data: Data, to paths: [String]) throws
    /// Writes the model folder `folder`.
    func writeModel(recipe: Recipe, name: String, dataset: String?, to folder: String) throws
}

extension RedrawingRun where Trainer: ImageConditionalTrainer {
    /// The run of an image-conditional trainer over `data` (`count` images) in `runFolder`: checkpoints there, sample
    /// grids in `samples/` with the loss curve, and at the end the last grid and the model folder `model/`.
    public convenience init(imageConditional trainer: Trainer, data: Trainer.Data, count: Int, recipe: Trainer.Recipe, name: String,
                            dataDirectory: String, runFolder: String, steps: Int, progress: @escaping @Sendable (String) -> Void) {
        self.init(trainer, runFolder: runFolder, steps: steps, lossNames: Trainer.lossNames, imagesPerStep: trainer.imagesPerStep,
                  datasetCount: count, learningRate: { $0.loggedLearningRate },
                  trainStep: { trainer in try trainer.loopStep(on: data) },
                  save: { trainer in try trainer.saveCheckpoint(to: runFolder, recipe: recipe, dataset: dataDirectory) },
                  savedStep: { Trainer.savedStep(in: runFolder) },
                  reload: { try Trainer.resumed(from: runFolder) })
        /// `samples/step-N.png`, `samples/latest.png` and `loss_curve.png`.
        func writeSamples(_ trainer: Trainer) throws {
            let folder = "\(runFolder)/samples"
            try FileAccess.makeFolders(folder)
            try trainer.writeSampleGrid(of: data, to: ["\(folder)/" + String(format: "step-%08d.png", trainer.step), "\(folder)/latest.png"])
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
