import GANTraining

extension InpaintingTrainer: ImageConditionalTrainer {
    /// The inpainting losses' names.
    public static var lossNames: [String] { InpaintingLosses.names }
    /// Photos per step.
    public var imagesPerStep: Int { options.batchSize }
    /// Adam's learning rate.
    public var loggedLearningRate: Float { options.learningRate }
    /// One step on a batch of photos and masks.
    public func loopStep(on data: InpaintingImageFolder) throws -> (step: Int, values: [Float]) {
        let losses = try trainStep(on: data)
        return (losses.step, losses.values)
    }
    /// Writes the checkpoint (inpainting records nothing besides the networks and options).
    public func saveCheckpoint(to folder: String, recipe _: Void, dataset: String?) throws {
        try saveCheckpoint(to: folder, dataset: dataset)
    }
    /// The step of the checkpoint in `folder`.
    public static func savedStep(in folder: String) -> Int? { (try? readState(from: folder))?.step }
    /// The trainer of the checkpoint in `folder`.
    public static func resumed(from folder: String) throws -> InpaintingTrainer { try resume(from: folder).trainer }
    /// Writes the grid of the first 4 images to each of `paths`.
    public func writeSampleGrid(of data: Data, to paths: [String]) throws { try writeSamples(of: data, to: paths) }
    /// Writes the model folder.
    public func writeModel(recipe _: Void, name: String, dataset: String?, to folder: String) throws {
        try InpaintingModel.write(self, name: name, dataset: dataset, to: folder)
    }
}
