// Spectral normalisation of a weight (torch.nn.utils.spectral_norm).
// View the weight as a matrix M [rows, cols] with `dim` as the rows (0 for Conv2d/Linear, 1 for ConvTranspose2d).
// Training: one (or more) power iteration with u, v held constant for autodiff:
//   v ← normalize(Mᵀu), u ← normalize(Mv), normalize(z) = z / max(‖z‖, ε); u and v persist in buffers.
// σ = uᵀMv;  W_sn = W / σ.  Backward (u, v constant, ∂σ/∂M = uvᵀ):  dW = g/σ - (Σ g∘W)/σ² · uvᵀ.

/// The layout of a weight viewed as a matrix with `dim` as its rows.
private struct MatrixView: Sendable {
    let shape: [Int], dim: Int, rows: Int, cols: Int
    init(shape: [Int], dim: Int) {
        precondition(dim == 0 || (dim == 1 && shape.count >= 2),
                     "spectralNorm: dim \(dim) unsupported for weight shape \(shape) (use 0 or 1)")
        self.shape = shape; self.dim = dim
        rows = shape[dim]
        cols = shape.reduce(1, *) / max(rows, 1)
    }
    /// The weight's flat index of matrix element (r, k).
    func weightIndex(_ r: Int, _ k: Int) -> Int {
        if dim == 0 { return r * cols + k }
        // Matrix column k = a·inner + rest, with a the original dim-0 index.
        let inner = cols / shape[0]
        let a = k / inner, rest = k % inner
        return (a * rows + r) * inner + rest
    }
    func matrix(_ weight: [Float]) -> [Float] {
        var m = [Float](repeating: 0, count: weight.count)
        for r in 0..<rows { for k in 0..<cols { m[r * cols + k] = weight[weightIndex(r, k)] } }
        return m
    }
}

private func normalized(_ z: [Double], eps: Double) -> [Double] {
    let norm = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return z.map { $0 / max(norm, eps) }
}

/// Returns `weight / σ(weight)`, σ the largest singular value estimated by power iteration.
/// - Parameters:
///   - u: buffer [rows], the persisted left singular vector estimate (updated in training).
///   - v: buffer [cols], the persisted right singular vector estimate (updated in training).
///   - dim: the weight axis that forms the matrix rows (0, or 1 for transposed convolutions).
///   - training: run `powerIterations` updates of u and v before computing σ.
public func spectralNormalized(_ weight: Variable, u: Variable, v: Variable, dim: Int = 0,
                               powerIterations: Int = 1, training: Bool, eps: Float = 1e-12) -> Variable {
    let view = MatrixView(shape: weight.shape, dim: dim)
    precondition(u.shape == [view.rows] && v.shape == [view.cols],
                 "spectralNorm: u shape \(u.shape) / v shape \(v.shape) do not match weight shape \(weight.shape) (need [\(view.rows)] and [\(view.cols)])")
    let w = weight.value
    let m = view.matrix(w.scalars)
    var uu = u.value.scalars.map(Double.init), vv = v.value.scalars.map(Double.init)
    func timesV(_ vector: [Double]) -> [Double] {
        (0..<view.rows).map { r in var s = 0.0; for k in 0..<view.cols { s += Double(m[r * view.cols + k]) * vector[k] }; return s }
    }
    if training {
        for _ in 0..<powerIterations {
            var mtU = [Double](repeating: 0, count: view.cols)
            for r in 0..<view.rows { for k in 0..<view.cols { mtU[k] += Double(m[r * view.cols + k]) * uu[r] } }
            vv = normalized(mtU, eps: Double(eps))
            uu = normalized(timesV(vv), eps: Double(eps))
        }
        u.value = Tensor(shape: [view.rows], scalars: uu.map(Float.init))
        v.value = Tensor(shape: [view.cols], scalars: vv.map(Float.init))
    }
    let mv = timesV(vv)
    var sigma = 0.0
    for r in 0..<view.rows { sigma += uu[r] * mv[r] }
    let s = Float(sigma)
    let out = w.map { $0 / s }
    let uFinal = uu, vFinal = vv, sigmaFinal = sigma
    return Variable(out, op: "spectralNorm", parents: [weight]) { g in
        var dot = 0.0
        for i in 0..<g.count { dot += Double(g.scalars[i]) * Double(w.scalars[i]) }
        var dw = g.scalars.map { $0 / s }
        let coefficient = dot / (sigmaFinal * sigmaFinal)
        for r in 0..<view.rows {
            for k in 0..<view.cols { dw[view.weightIndex(r, k)] -= Float(coefficient * uFinal[r] * vFinal[k]) }
        }
        return [Tensor(shape: w.shape, scalars: dw)]
    }
}
