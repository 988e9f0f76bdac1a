/// GANCore: tensors, autograd, layers, losses, optimizers and weight files.
///
/// A training step in outline:
/// ```swift
/// var rng = SeededGenerator(seed: 0)
/// let net = Sequential(Pad2d.reflection(3), Conv2d(inChannels: 3, outChannels: 64, kernelSize: 7, using: &rng),
///                      InstanceNorm2d(channels: 64), ReLU())
/// net.initializeWeights(.normal, gain: 0.02, using: &rng)
/// let adam = Adam(net.parameters(), learningRate: 2e-4, beta1: 0.5)
/// let loss = l1Loss(net(Variable(input)), target)   // ops record a graph of `Variable`s
/// adam.zeroGrad(); loss.backward(); adam.step()
/// let image = withNoGrad { net(Variable(input)) }    // inference records nothing
/// net.namedParameters()                               // ("1.weight", ...), PyTorch state_dict keys
/// ```
public enum GANCore {
    /// The version of the engine's on-disk formats and numerics.
    public static let version = "0.1.0"
}
