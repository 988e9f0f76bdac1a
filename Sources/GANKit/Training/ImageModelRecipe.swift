import Foundation
import GANCore
import GANTraining

/// What a family adds to the one image-conditional training run (`TrainingSchedule.run(_:...)`): its data, its
/// trainer, fresh or resumed, and its progress line. Pix2pix and inpainting supply one each; the run does the rest
/// (the checkpoint check, the run folder, the loop, samples, the model folder).
protocol ImageModelRecipe: Sendable {
    /// The family's trainer.
    associatedtype Trainer: ImageConditionalTrainer
    /// What the checkpoint and the model folder record besides the networks (pix2pix: the task).
    var recipe: Trainer.Recipe { get }
    /// The training images of `directory`, and how many.
    func data(in directory: String, recursive: Bool) throws -> (data: Trainer.Data, count: Int)
    /// The trainer of the checkpoint in `runFolder`; refuses one that trains something else.
    func resumed(from runFolder: String) throws -> Trainer
    /// A trainer with fresh networks.
    /// - Throws: `GANKitError.invalidArgument` for a configuration or options problem.
    func fresh() throws -> Trainer
    /// Loads the generator weights of `model` (a folder, run folder or name in the models folder) into `trainer`.
    func initializeGenerator(of trainer: Trainer, from model: String) throws
    /// The progress line's words after "training NAME: ".
    func description(of trainer: Trainer, images: Int, in directory: String) -> String
}

extension TrainingSchedule {
    /// Trains `recipe`'s model on `dataDirectory` in `runFolder`: from the folder's checkpoint with `resume`, else
    /// fresh; returns how the run ended (`.finished` at `steps`, `.stopped` at `maxSteps`, `.interrupted` on a signal).
    func run<Recipe: ImageModelRecipe>(_ recipe: Recipe, dataDirectory: String, recursive: Bool, name: String, runFolder: String,
                                       initialGenerator: String?, beforeStep: (@Sendable (Recipe.Trainer) -> Void)?) throws -> TrainingOutcome {
        if let problem { throw GANKitError.invalidArgument(problem) }
        let (data, count) = try recipe.data(in: dataDirectory, recursive: recursive)
        let trainer = try self.trainer(in: runFolder, resumed: { try recipe.resumed(from: runFolder) }) {
            let fresh = try recipe.fresh()
            if let initialGenerator {
                try recipe.initializeGenerator(of: fresh, from: initialGenerator)
                progress("generator initialised from \(fresh.initializedFrom ?? initialGenerator)")
            }
            return fresh
        }
        try DataParallel.checkSplit(batch: trainer.options.batchSize)
        try FileAccess.makeFolders(runFolder)
        progress("training \(name): \(recipe.description(of: trainer, images: count, in: dataDirectory)), from step \(trainer.step) to \(steps); run folder \(runFolder)")
        let run = RedrawingRun(imageConditional: trainer, data: data, count: count, recipe: recipe.recipe, name: name,
                               dataDirectory: dataDirectory, runFolder: runFolder, steps: steps, progress: progress)
        run.beforeStep = beforeStep
        return try loop(runFolder: runFolder).run(run)
    }
}
