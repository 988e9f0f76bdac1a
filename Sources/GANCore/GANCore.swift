/// GANCore: tensors, autograd, layers, losses, optimizers and weight files.
public enum GANCore {
    /// The version of the engine's on-disk formats and numerics.
    public static let version = "0.1.0"
}
