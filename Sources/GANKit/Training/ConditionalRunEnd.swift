import GANConditional

/// How a label-GAN training run ended.
public struct ConditionalRunEnd: Sendable {
    /// The losses of the last step taken, if any.
    public var losses: ConditionalStepLosses?
    /// The signal (SIGINT, SIGTERM) that stopped the run after its checkpoint, or nil when it reached its steps.
    public var signal: Int32?
}
