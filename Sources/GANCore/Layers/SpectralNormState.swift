/// The persisted state of `torch.nn.utils.spectral_norm` on one layer's weight: the vectors `weight_u`
/// and `weight_v` (buffers) and the axis that forms the matrix rows.
public struct SpectralNormState: Sendable {
    /// Left singular vector estimate [rows] (PyTorch buffer `weight_u`).
    public let u: Variable
    /// Right singular vector estimate [cols] (PyTorch buffer `weight_v`).
    public let v: Variable
    /// Weight axis used as rows: 0 for Conv2d/Linear, 1 for ConvTranspose2d.
    public let dim: Int
    /// Power iterations per training forward pass (PyTorch default 1).
    public let powerIterations: Int

    /// Starts from normalised N(0, 1) vectors, as PyTorch does.
    public init(weightShape: [Int], dim: Int, powerIterations: Int = 1, using generator: inout SeededGenerator) {
        let rows = weightShape[dim], cols = weightShape.reduce(1, *) / max(weightShape[dim], 1)
        func unitVector(_ count: Int) -> Tensor {
            let t = Tensor.randomNormal([count], using: &generator)
            let norm = max(t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return t.map { $0 / norm }
        }
        u = Variable(unitVector(rows))
        v = Variable(unitVector(cols))
        self.dim = dim
        self.powerIterations = powerIterations
    }

    /// The normalised weight for this forward pass.
    func apply(to weight: Variable, training: Bool) -> Variable {
        spectralNormalized(weight, u: u, v: v, dim: dim, powerIterations: powerIterations, training: training)
    }
}

/// PyTorch's state-dict names for a layer whose weight may be spectrally normalised
/// (`torch.nn.utils.spectral_norm` renames `weight` to `weight_orig` and adds `weight_u`, `weight_v`).
enum SpectralNormNaming {
    /// `weight` (or `weight_orig`) and, when present, `bias`.
    static func parameters(weight: Variable, bias: Variable?, spectralNorm: SpectralNormState?) -> [(name: String, parameter: Variable)] {
        [(spectralNorm == nil ? "weight" : "weight_orig", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `weight_u` and `weight_v` when the weight is normalised, else nothing.
    static func buffers(_ spectralNorm: SpectralNormState?) -> [(name: String, buffer: Variable)] {
        spectralNorm.map { [("weight_u", $0.u), ("weight_v", $0.v)] } ?? []
    }
}
