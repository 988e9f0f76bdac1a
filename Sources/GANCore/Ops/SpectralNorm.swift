import CBLAS

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

private func normalized(_ z: [Float], eps: Float) -> [Float] {
    let norm = Float(z.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    return z.map { $0 / max(norm, eps) }
}

/// M·x (or Mᵀ·x with `transposed`) for the row-major matrix `m` [rows, cols], by OpenBLAS's sgemv (float32, as
/// PyTorch's power iteration; single-threaded, so the same bits every run).
private func product(_ m: UnsafePointer<Float>, rows: Int, cols: Int, transposed: Bool, _ x: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: transposed ? cols : rows)
    cblas_sgemv(CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), 1, m, Int32(cols), x, 1, 0, &out, 1)
    return out
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
    let (rows, cols) = (view.rows, view.cols)
    precondition(u.shape == [rows] && v.shape == [cols],
                 "spectralNorm: u shape \(u.shape) / v shape \(v.shape) do not match weight shape \(weight.shape) (need [\(rows)] and [\(cols)])")
    let w = weight.value
    // With dim 0 the weight already is the matrix, row-major.
    let m = dim == 0 ? w.scalars : view.matrix(w.scalars)
    var uu = u.value.scalars, vv = v.value.scalars
    let mv: [Float] = m.withUnsafeBufferPointer { mb in
        if training {
            for _ in 0..<powerIterations {
                vv = normalized(product(mb.baseAddress!, rows: rows, cols: cols, transposed: true, uu), eps: eps)
                uu = normalized(product(mb.baseAddress!, rows: rows, cols: cols, transposed: false, vv), eps: eps)
            }
        }
        return product(mb.baseAddress!, rows: rows, cols: cols, transposed: false, vv)
    }
    if training {
        u.value = Tensor(shape: [rows], scalars: uu)
        v.value = Tensor(shape: [cols], scalars: vv)
    }
    let sigma = cblas_dsdot(Int32(rows), uu, 1, mv, 1)
    let s = Float(sigma)
    let out = w.map { $0 / s }
    let uFinal = uu, vFinal = vv
    return Variable(out, op: "spectralNorm", parents: [weight]) { g in
        let dot = cblas_dsdot(Int32(g.count), g.scalars, 1, w.scalars, 1)
        var dw = g.scalars.map { $0 / s }
        let coefficient = Float(dot / (sigma * sigma))
        if dim == 0 {
            // dw -= coefficient · u vᵀ (a rank-1 update of the row-major matrix).
            cblas_sger(CblasRowMajor, Int32(rows), Int32(cols), -coefficient, uFinal, 1, vFinal, 1, &dw, Int32(cols))
        } else {
            for r in 0..<rows {
                for k in 0..<cols { dw[view.weightIndex(r, k)] -= coefficient * uFinal[r] * vFinal[k] }
            }
        }
        return [Tensor(shape: w.shape, scalars: dw)]
    }
}
