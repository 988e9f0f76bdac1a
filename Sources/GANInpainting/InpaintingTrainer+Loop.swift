import GANTraining

extension InpaintingLosses: StepLosses {}
extension InpaintingOptions: StepOptions {}

extension InpaintingTrainer: ImageConditionalTrainer {
    /// Writes the checkpoint (inpainting records nothing besides the networks and options).
    public func saveCheckpoint(to folder: String, recipe _: Void, dataset: String?) throws {
        try saveCheckpoint(to: folder, dataset: dataset)
    }

    /// Writes the model folder.
    public func writeModel(recipe _: Void, name: String, dataset: String?, to folder: String) throws {
        try InpaintingModel.write(self, name: name, dataset: dataset, to: folder)
    }
}
