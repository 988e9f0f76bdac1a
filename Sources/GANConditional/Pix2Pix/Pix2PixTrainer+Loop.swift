import GANTraining

extension Pix2PixTrainer: ImageConditionalTrainer {
    /// `G_GAN`, `G_L1`, `D_real`, `D_fake`.
    public static var lossNames: [String] { Pix2PixLosses.names }
    /// Pairs per step.
    public var imagesPerStep: Int { options.batchSize }
    /// Adam's learning rate.
    public var loggedLearningRate: Float { options.learningRate }
    /// One step on a batch of pairs.
    public func loopStep(on data: PairedImageFolder) throws -> (step: Int, values: [Float]) {
        let losses = try trainStep(on: data)
        return (losses.step, losses.values)
    }
    /// Writes the checkpoint, recording the task.
    public func saveCheckpoint(to folder: String, recipe task: Pix2PixTask, dataset: String?) throws {
        try saveCheckpoint(to: folder, task: task, dataset: dataset)
    }
    /// The step of the checkpoint in `folder`.
    public static func savedStep(in folder: String) -> Int? { (try? readState(from: folder))?.step }
    /// The trainer of the checkpoint in `folder`.
    public static func resumed(from folder: String) throws -> Pix2PixTrainer { try resume(from: folder).trainer }
    /// Writes the grid of the first 4 images to each of `paths`.
    public func writeSampleGrid(of data: Data, to paths: [String]) throws { try writeSamples(of: data, to: paths) }
    /// Writes the model folder.
    public func writeModel(recipe task: Pix2PixTask, name: String, dataset: String?, to folder: String) throws {
        try Pix2PixModel.write(self, task: task, name: name, dataset: dataset, to: folder)
    }
}
