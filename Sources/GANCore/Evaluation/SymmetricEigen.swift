import Foundation

/// Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method, in Double.
///
/// A = V diag(λ) Vᵀ; each rotation zeroes one off-diagonal entry, sweeps repeat until the
/// off-diagonal mass is negligible (quadratic convergence; ~10 sweeps for 128×128).
public struct SymmetricEigen: Sendable {
    /// Eigenvalues, in no particular order.
    public let values: [Double]
    /// Eigenvectors as columns of an n×n row-major matrix: column k belongs to `values[k]`.
    public let vectors: [Double]
    /// The matrix side.
    public let n: Int

    /// Decomposes the symmetric n×n row-major matrix `matrix` (only symmetry up to rounding is assumed).
    public init(_ matrix: [Double], n: Int, maxSweeps: Int = 100) {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) entries for a \(n)×\(n) matrix")
        var a = matrix
        // Symmetrise exactly.
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { let m = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = m; a[j * n + i] = m } }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var scale = 0.0
        for x in a { scale += x * x }
        let tolerance = 1e-30 * max(scale, 1e-300)
        for _ in 0..<maxSweeps {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] } }
            if off <= tolerance { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    // A ← Jᵀ A J on rows/columns p, q.
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    a[p * n + q] = 0
                    a[q * n + p] = 0
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { a[$0 * n + $0] }
        vectors = v
        self.n = n
    }

    /// V f(Λ) Vᵀ: the function `f` applied to the matrix through its eigenvalues.
    public func apply(_ f: (Double) -> Double) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        let fv = values.map(f)
        for i in 0..<n {
            for j in i..<n {
                var total = 0.0
                for k in 0..<n { total += vectors[i * n + k] * fv[k] * vectors[j * n + k] }
                out[i * n + j] = total
                out[j * n + i] = total
            }
        }
        return out
    }

    /// The principal square root of a symmetric positive semi-definite matrix (negative rounding
    /// noise in the eigenvalues clamped to 0).
    public static func squareRoot(_ matrix: [Double], n: Int) -> [Double] {
        SymmetricEigen(matrix, n: n).apply { max($0, 0).squareRoot() }
    }
}
