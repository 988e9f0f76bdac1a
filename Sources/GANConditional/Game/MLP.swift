import GANCore

/// A small multilayer perceptron: Linear layers with an activation (leaky ReLU, slope 0.2, or tanh)
/// between them and a linear output. The toy game uses one as generator (z → x) and one as discriminator (x → logit).
/// State-dict names: `layers.0.weight`, `layers.0.bias`, `layers.1.weight`, ...
public final class MLP: Module, @unchecked Sendable {
    /// The nonlinearity between layers.
    public enum Activation: String, Sendable, Equatable {
        /// max(x, 0.2x): piecewise linear, so a generator maps uniform z to a piecewise-uniform density.
        case leakyReLU
        /// tanh: smooth, so a generator's density is smooth.
        case tanh
    }

    /// The linear layers, input first.
    public let layers: [Linear]
    /// The nonlinearity between layers.
    public let activation: Activation

    /// Creates a network with the given layer widths, e.g. `[1, 32, 32, 1]`.
    public init(widths: [Int], activation: Activation = .leakyReLU, using generator: inout SeededGenerator) {
        precondition(widths.count >= 2, "MLP: need at least an input and an output width")
        self.activation = activation
        layers = zip(widths, widths.dropFirst()).map { Linear(inFeatures: $0, outFeatures: $1, using: &generator) }
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        layers.enumerated().map { ("layers.\($0.offset)", $0.element) }
    }

    /// Maps [N, widths.first] to [N, widths.last].
    override public func forward(_ input: Variable) -> Variable {
        var h = input
        for (index, layer) in layers.enumerated() {
            h = layer(h)
            guard index < layers.count - 1 else { break }
            h = activation == .tanh ? tanh(h) : leakyReLU(h, slope: 0.2)
        }
        return h
    }
}
