import GANTraining

extension Pix2PixLosses: StepLosses {}
extension Pix2PixOptions: StepOptions {}

extension Pix2PixTrainer: ImageConditionalTrainer {
    /// Writes the checkpoint, recording the task.
    public func saveCheckpoint(to folder: String, recipe task: Pix2PixTask, dataset: String?) throws {
        try saveCheckpoint(to: folder, task: task, dataset: dataset)
    }

    /// Writes the model folder.
    public func writeModel(recipe task: Pix2PixTask, name: String, dataset: String?, to folder: String) throws {
        try Pix2PixModel.write(self, task: task, name: name, dataset: dataset, to: folder)
    }
}
