/// `ReLU` as a module (no state).
public final class ReLU: Module, @unchecked Sendable {
    /// Creates the layer.
    override public init() {}
    /// Applies max(x, 0).
    override public func forward(_ input: Variable) -> Variable { relu(input) }
}

/// `LeakyReLU` as a module (no state).
public final class LeakyReLU: Module, @unchecked Sendable {
    /// The slope for negative inputs.
    public let slope: Float
    /// Creates the layer; pix2pix's discriminator uses slope 0.2.
    public init(slope: Float = 0.01) { self.slope = slope }
    /// Applies the leaky ReLU.
    override public func forward(_ input: Variable) -> Variable { leakyReLU(input, slope: slope) }
}

/// `Tanh` as a module (no state).
public final class Tanh: Module, @unchecked Sendable {
    /// Creates the layer.
    override public init() {}
    /// Applies tanh.
    override public func forward(_ input: Variable) -> Variable { tanh(input) }
}

/// `Sigmoid` as a module (no state).
public final class Sigmoid: Module, @unchecked Sendable {
    /// Creates the layer.
    override public init() {}
    /// Applies the logistic sigmoid.
    override public func forward(_ input: Variable) -> Variable { sigmoid(input) }
}

/// `Dropout` as a module: active only in training, with its own seeded generator.
public final class Dropout: Module, @unchecked Sendable {
    /// Probability of zeroing an element.
    public let probability: Float
    private var generator: SeededGenerator
    /// Creates the layer; masks are reproducible from `seed`.
    public init(probability: Float = 0.5, seed: UInt64) {
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }
    /// Restarts the mask sequence from `seed`: trainers that resume exactly reseed every dropout layer from
    /// (seed, step) before each step, so the masks need no saved state.
    public func reseed(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }
    /// Drops elements in training; the identity in evaluation.
    override public func forward(_ input: Variable) -> Variable {
        isTraining ? dropout(input, probability: probability, using: &generator) : input
    }
}

/// `ReflectionPad2d` / `ReplicationPad2d` as a module (no state).
public final class Pad2d: Module, @unchecked Sendable {
    /// The padding amounts.
    public let padding: Padding2D
    /// Reflect or replicate.
    public let mode: PaddingMode
    /// Creates the layer.
    public init(_ padding: Padding2D, mode: PaddingMode) { (self.padding, self.mode) = (padding, mode) }
    /// A `ReflectionPad2d(amount)`.
    public static func reflection(_ amount: Int) -> Pad2d { Pad2d(Padding2D(amount), mode: .reflect) }
    /// A `ReplicationPad2d(amount)`.
    public static func replication(_ amount: Int) -> Pad2d { Pad2d(Padding2D(amount), mode: .replicate) }
    /// Pads the input.
    override public func forward(_ input: Variable) -> Variable { pad(input, padding, mode: mode) }
}

/// `Upsample(scale_factor:, mode:)` as a module (no state).
public final class Upsample: Module, @unchecked Sendable {
    /// The integer scale factor.
    public let scale: Int
    /// Nearest or bilinear (align_corners=False).
    public let mode: UpsamplingMode
    /// Creates the layer.
    public init(scale: Int = 2, mode: UpsamplingMode) { (self.scale, self.mode) = (scale, mode) }
    /// Upsamples the input.
    override public func forward(_ input: Variable) -> Variable { upsample(input, scale: scale, mode: mode) }
}

/// `AvgPool2d` as a module (no state).
public final class AvgPool2d: Module, @unchecked Sendable {
    /// Window size.
    public let kernel: Int
    /// Window step.
    public let stride: Int
    /// Zero padding.
    public let padding: Int
    /// Whether padded cells count in the divisor (PyTorch default true).
    public let countIncludePad: Bool
    /// Creates the layer; `stride` defaults to `kernel` as in PyTorch.
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        (self.kernel, self.stride, self.padding, self.countIncludePad) = (kernel, stride ?? kernel, padding, countIncludePad)
    }
    /// Pools the input.
    override public func forward(_ input: Variable) -> Variable {
        avgPool2d(input, kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// A chain of modules applied in order, named `0`, `1`, ... like PyTorch's `Sequential`.
public final class Sequential: Module, @unchecked Sendable {
    /// The layers, in order.
    public let layers: [Module]
    /// Creates the chain.
    public init(_ layers: [Module]) { self.layers = layers }
    /// Creates the chain.
    public convenience init(_ layers: Module...) { self.init(layers) }
    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
    /// Applies each layer to the previous one's output.
    override public func forward(_ input: Variable) -> Variable {
        var x = input, i = 0
        while i < layers.count { (x, i) = step(x, at: i) }
        return x
    }

    /// Applies layer `i` to `x` and returns its output and the next layer's index. Two pairs run as one pass
    /// (same result): an instance norm and the ReLU after it (one tensor fewer written and read each way), and a
    /// reflection or replication pad and the unpadded convolution after it (the convolution reads the border
    /// itself: no padded copy). `keeping` lists layers whose own output is wanted, so not fused past.
    public func step(_ x: Variable, at i: Int, keeping wanted: [Int] = []) -> (output: Variable, next: Int) {
        if i + 1 < layers.count, !wanted.contains(i) {
            if let norm = layers[i] as? InstanceNorm2d, layers[i + 1] is ReLU {
                return (norm.forward(x, fusedReLU: true), i + 2)
            }
            if let pad = layers[i] as? Pad2d, let conv = layers[i + 1] as? Conv2d, conv.canFold(pad) {
                return (conv.forward(x, folding: pad), i + 2)
            }
        }
        return (layers[i](x), i + 1)
    }
}
