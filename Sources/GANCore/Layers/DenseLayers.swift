/// A fully connected layer (PyTorch `Linear`): `weight` [out, in], `bias` [out].
public final class Linear: Module, @unchecked Sendable {
    /// The weight matrix [out, in].
    public let weight: Variable
    /// The bias [out], if any.
    public let bias: Variable?
    /// Spectral normalisation state, when enabled.
    public private(set) var spectralNorm: SpectralNormState?

    /// Creates a layer with PyTorch's default initialisation.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, using generator: inout SeededGenerator) {
        weight = .parameter(Initializer.kaimingUniform(a: Float(5).squareRoot(), mode: .fanIn).tensor([outFeatures, inFeatures], using: &generator))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? .parameter(Tensor.randomUniform([outFeatures], low: -bound, high: bound, using: &generator)) : nil
    }

    /// Wraps the weight in spectral normalisation.
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

    /// Maps [N, in] to [N, out].
    override public func forward(_ input: Variable) -> Variable { forward(input, weight: effectiveWeight()) }

    /// The weight the layer applies: `weight`, or `weight / σ(weight)` with spectral normalisation (in training, each
    /// call runs the power iteration once, as each forward does).
    public func effectiveWeight() -> Variable { spectralNorm?.apply(to: weight, training: isTraining) ?? weight }

    /// Maps [N, in] to [N, out] with `weight` (from `effectiveWeight()`, for callers that use it twice).
    public func forward(_ input: Variable, weight: Variable) -> Variable { linear(input, weight: weight, bias: bias) }
}

/// A lookup table (PyTorch `Embedding`): parameter `weight` [count, dimension].
public final class Embedding: Module, @unchecked Sendable {
    /// The table [count, dimension].
    public let weight: Variable

    /// Creates a table initialised N(0, 1), as PyTorch does.
    public init(count: Int, dimension: Int, using generator: inout SeededGenerator) {
        weight = .parameter(Tensor.randomNormal([count, dimension], using: &generator))
    }

    /// Creates a table with the given initial values [count, dimension].
    public init(table: Tensor) {
        precondition(table.rank == 2, "Embedding: table must be [count, dimension], got shape \(table.shape)")
        weight = .parameter(table)
    }

    /// PyTorch-named parameters of this layer.
    override public var ownParameters: [(name: String, parameter: Variable)] { [("weight", weight)] }

    /// The rows for `indices`, as [indices.count, dimension].
    public func callAsFunction(_ indices: [Int]) -> Variable { embedding(indices, table: weight) }
}
