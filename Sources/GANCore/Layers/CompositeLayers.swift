/// The identity, for optional slots (PyTorch `Identity`, used when a network has no normalisation).
public final class Identity: Module, @unchecked Sendable {
    /// Creates the layer.
    override public init() {}
    /// Returns the input unchanged.
    override public func forward(_ input: Variable) -> Variable { input }
}

/// Gated convolution (DeepFill v2): one convolution produces 2·out channels, split into features and gates;
/// out = activation(features) ⊙ sigmoid(gates). Parameters are those of the child `conv`.
public final class GatedConv2d: Module, @unchecked Sendable {
    /// The convolution producing features and gates.
    public let conv: Conv2d
    /// Output channels (half of `conv`'s).
    public let outChannels: Int
    /// The activation applied to the features (LeakyReLU(0.2) in DeepFill v2, or `Identity` for the output layer).
    public let activation: Module

    /// Creates the layer; `dilation` spaces the kernel taps (DeepFill's dilated middle layers).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                activation: Module = LeakyReLU(slope: 0.2), using generator: inout SeededGenerator) {
        conv = Conv2d(inChannels: inChannels, outChannels: 2 * outChannels, kernelSize: kernelSize,
                      stride: stride, padding: padding, dilation: dilation, using: &generator)
        self.outChannels = outChannels
        self.activation = activation
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("conv", conv)] }

    /// Applies the gated convolution.
    override public func forward(_ input: Variable) -> Variable {
        let both = conv(input)
        let features = sliceChannels(both, 0..<outChannels)
        let gates = sliceChannels(both, outChannels..<(2 * outChannels))
        return activation(features) * sigmoid(gates)
    }
}
