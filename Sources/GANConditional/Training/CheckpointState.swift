/// `state.json` of a checkpoint folder: what was trained, how far, and which weight files hold it.
/// Written last and atomically, after the step-stamped weight files it names, so a folder always
/// describes one whole checkpoint even when a save is interrupted.
public struct CheckpointState: Codable, Sendable, Equatable {
    /// The format tag, `gankit-conditional-gan/1`.
    public static let currentFormat = "gankit-conditional-gan/1"

    /// The format tag of this file.
    public var format = CheckpointState.currentFormat
    /// GANConditional's version that wrote it.
    public var version = GANConditional.version
    /// Training steps completed.
    public var step: Int
    /// Wall-clock seconds spent training, summed over every run joined by resume (absent in checkpoints written
    /// before it was recorded).
    public var trainingSeconds: Double?
    /// The networks' shape.
    public var configuration: ConditionalGANConfiguration
    /// The training settings.
    public var options: ConditionalTrainingOptions
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// The generator's moving average (`ConditionalTrainingOptions.averageDecay`), relative to the folder; sampling
    /// uses it when present.
    public var averageGeneratorFile: String?
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments (`generator.m.<i>`, `generator.v.<i>`, `discriminator.…`), relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of the generator and the discriminator.
    public var optimizerSteps: [Int]
    /// The losses of the last step, if any.
    public var lastLosses: ConditionalStepLosses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback (`ConditionalGANTrainer.redraw(step:)`), a step once per redraw, in
    /// order. Absent when there are none.
    public var redrawnSteps: [Int]?
}
