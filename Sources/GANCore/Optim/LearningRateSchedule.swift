// Learning-rate schedules as multipliers of the base rate, evaluated per epoch (PyTorch LambdaLR / StepLR).
// linearDecay (CycleGAN's lambda_rule): factor = 1 - max(0, epoch + epochCount - constantEpochs) / (decayEpochs + 1).
// step (StepLR): factor = γ^⌊epoch / stepSize⌋.

/// A learning-rate schedule: a multiplier of the base learning rate for each epoch (counted from 0).
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate throughout.
    case constant
    /// CycleGAN/pix2pix "linear": constant for `constantEpochs` (n_epochs), then linear decay to zero
    /// over `decayEpochs` (n_epochs_decay); `epochCount` is the starting epoch number (opt.epoch_count, default 1).
    case linearDecay(constantEpochs: Int, decayEpochs: Int, epochCount: Int = 1)
    /// Multiply by `gamma` every `stepSize` epochs.
    case step(stepSize: Int, gamma: Float)

    /// The multiplier for `epoch` (the number of completed scheduler steps, as LambdaLR passes it).
    public func factor(epoch: Int) -> Float {
        switch self {
        case .constant:
            return 1
        case .linearDecay(let constantEpochs, let decayEpochs, let epochCount):
            return 1 - Float(max(0, epoch + epochCount - constantEpochs)) / Float(decayEpochs + 1)
        case .step(let stepSize, let gamma):
            return Float(Double(gamma).power(epoch / max(stepSize, 1)))
        }
    }

    /// The learning rate for `epoch` given the base rate.
    public func learningRate(base: Float, epoch: Int) -> Float { base * factor(epoch: epoch) }
}
