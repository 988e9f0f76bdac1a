/// A 2-D convolution layer (PyTorch `Conv2d`): parameters `weight` [out, in, k, k] and `bias` [out].
/// With spectral normalisation the weight is named `weight_orig` and buffers `weight_u`, `weight_v` appear.
public final class Conv2d: Module, @unchecked Sendable {
    /// The kernel [out, in, k, k].
    public let weight: Variable
    /// The per-output-channel bias, if any.
    public let bias: Variable?
    /// Step between windows.
    public let stride: Int
    /// Zero padding on every side.
    public let padding: Int
    /// Spacing between kernel taps (PyTorch's `dilation`; 1: a dense kernel).
    public let dilation: Int
    /// Spectral normalisation state, when enabled.
    public private(set) var spectralNorm: SpectralNormState?

    /// Creates a layer with PyTorch's default initialisation (kaiming-uniform a = √5, bias U(±1/√fan_in)).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, bias: Bool = true, using generator: inout SeededGenerator) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        weight = .parameter(Initializer.kaimingUniform(a: Float(5).squareRoot(), mode: .fanIn).tensor(shape, using: &generator))
        let bound = 1 / Float(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? .parameter(Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// Wraps the weight in spectral normalisation (torch.nn.utils.spectral_norm).
    public func applySpectralNorm(powerIterations: Int = 1, using generator: inout SeededGenerator) {
        spectralNorm = SpectralNormState(weightShape: weight.shape, dim: 0, powerIterations: powerIterations, using: &generator)
    }

    /// PyTorch-named parameters of this layer.
    override public var ownParameters: [(name: String, parameter: Variable)] {
        SpectralNormNaming.parameters(weight: weight, bias: bias, spectralNorm: spectralNorm)
    }

    /// PyTorch-named buffers of this layer.
    override public var ownBuffers: [(name: String, buffer: Variable)] {
        SpectralNormNaming.buffers(spectralNorm)
    }

    /// Convolves an NCHW input.
    override public func forward(_ input: Variable) -> Variable {
        let w = spectralNorm?.apply(to: weight, training: isTraining) ?? weight
        return conv2d(input, weight: w, bias: bias, stride: stride, padding: padding, dilation: dilation)
    }

    /// Whether `forward(_:folding:)` can take `pad` into the convolution: this layer pads nothing itself and `pad`
    /// adds the same amount on every side.
    public func canFold(_ pad: Pad2d) -> Bool {
        let p = pad.padding
        return padding == 0 && p.left == p.right && p.left == p.top && p.left == p.bottom
    }

    /// `forward(pad(input))` with the padding read inside the convolution where its kernel can (Winograd layers:
    /// no padded copy); `canFold(pad)` must hold.
    public func forward(_ input: Variable, folding pad: Pad2d) -> Variable {
        precondition(canFold(pad), "Conv2d.forward(folding:): \(pad.padding) cannot fold into a layer with padding \(padding)")
        let w = spectralNorm?.apply(to: weight, training: isTraining) ?? weight
        return conv2d(input, weight: w, bias: bias, stride: stride, padding: pad.padding.left, paddingMode: pad.mode,
                      dilation: dilation)
    }
}

/// A transposed convolution layer (PyTorch `ConvTranspose2d`): `weight` [in, out, k, k] and `bias` [out].
public final class ConvTranspose2d: Module, @unchecked Sendable {
    /// The kernel [in, out, k, k].
    public let weight: Variable
    /// The per-output-channel bias, if any.
    public let bias: Variable?
    /// Upsampling stride.
    public let stride: Int
    /// Implicit padding removed from the output.
    public let padding: Int
    /// Extra rows/columns added at the bottom/right of the output.
    public let outputPadding: Int
    /// Spectral normalisation state, when enabled.
    public private(set) var spectralNorm: SpectralNormState?

    /// Creates a layer with PyTorch's default initialisation (fans computed from the [in, out, k, k] weight).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true, using generator: inout SeededGenerator) {
        let shape = [inChannels, outChannels, kernelSize, kernelSize]
        weight = .parameter(Initializer.kaimingUniform(a: Float(5).squareRoot(), mode: .fanIn).tensor(shape, using: &generator))
        let bound = 1 / Float(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? .parameter(Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
        (self.stride, self.padding, self.outputPadding) = (stride, padding, outputPadding)
    }

    /// Wraps the weight in spectral normalisation along dim 1, as PyTorch does for transposed convolutions.
    public func applySpectralNorm(powerIterations: Int = 1, using generator: inout SeededGenerator) {
        spectralNorm = SpectralNormState(weightShape: weight.shape, dim: 1, powerIterations: powerIterations, using: &generator)
    }

    /// PyTorch-named parameters of this layer.
    override public var ownParameters: [(name: String, parameter: Variable)] {
        SpectralNormNaming.parameters(weight: weight, bias: bias, spectralNorm: spectralNorm)
    }

    /// PyTorch-named buffers of this layer.
    override public var ownBuffers: [(name: String, buffer: Variable)] {
        SpectralNormNaming.buffers(spectralNorm)
    }

    /// Applies the transposed convolution to an NCHW input.
    override public func forward(_ input: Variable) -> Variable {
        let w = spectralNorm?.apply(to: weight, training: isTraining) ?? weight
        return convTranspose2d(input, weight: w, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding)
    }
}
