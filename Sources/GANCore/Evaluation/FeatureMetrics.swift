import Foundation


/// Mean and covariance of a set of feature vectors, in Double.
public struct GaussianStatistics: Sendable {
    /// The mean, d entries.
    public let mean: [Double]
    /// The unbiased covariance (divisor n − 1), d×d row-major.
    public let covariance: [Double]
    /// The dimension d.
    public let dimension: Int

    /// Statistics of the rows of `features` [n, d] (n ≥ 2).
    public init(_ features: Tensor) {
        precondition(features.rank == 2 && features.shape[0] >= 2, "GaussianStatistics: need [n ≥ 2, d], got \(features.shape)")
        let (n, d) = (features.shape[0], features.shape[1])
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += Double(features.scalars[r * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for j in 0..<d { centred[j] = Double(features.scalars[r * d + j]) - mean[j] }
            for i in 0..<d {
                let ci = centred[i]
                if ci == 0 { continue }
                for j in i..<d { cov[i * d + j] += ci * centred[j] }
            }
        }
        for i in 0..<d { for j in i..<d { cov[i * d + j] /= Double(n - 1); cov[j * d + i] = cov[i * d + j] } }
        (self.mean, covariance, dimension) = (mean, cov, d)
    }

    /// Statistics given directly.
    public init(mean: [Double], covariance: [Double]) {
        precondition(covariance.count == mean.count * mean.count, "GaussianStatistics: covariance must be d×d")
        (self.mean, self.covariance, dimension) = (mean, covariance, mean.count)
    }
}

/// Fréchet distance between Gaussians (FID, Heusel et al. 2017), in any feature space:
///
///     d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^{1/2}
///
/// with tr (Σ₁Σ₂)^{1/2} = tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} = Σ √λᵢ of the symmetric PSD matrix
/// Σ₁^{1/2} Σ₂ Σ₁^{1/2}, so only symmetric eigen-decompositions (Jacobi) are needed.
public enum FrechetDistance {
    /// The distance between two sets of statistics of the same dimension.
    public static func between(_ a: GaussianStatistics, _ b: GaussianStatistics) -> Double {
        precondition(a.dimension == b.dimension, "FrechetDistance: dimensions \(a.dimension) and \(b.dimension) differ")
        let d = a.dimension
        var meanTerm = 0.0
        for j in 0..<d { meanTerm += (a.mean[j] - b.mean[j]) * (a.mean[j] - b.mean[j]) }
        var traces = 0.0
        for j in 0..<d { traces += a.covariance[j * d + j] + b.covariance[j * d + j] }
        let rootA = SymmetricEigen.squareRoot(a.covariance, n: d)
        let product = multiply(multiply(rootA, b.covariance, d), rootA, d)
        let cross = SymmetricEigen(product, n: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
        return meanTerm + traces - 2 * cross
    }

    /// The distance between the Gaussians fitted to two feature sets [n, d].
    public static func between(_ a: Tensor, _ b: Tensor) -> Double {
        between(GaussianStatistics(a), GaussianStatistics(b))
    }

    /// The product of two d×d row-major matrices.
    public static func multiply(_ x: [Double], _ y: [Double], _ d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for k in 0..<d {
                let xik = x[i * d + k]
                if xik == 0 { continue }
                for j in 0..<d { out[i * d + j] += xik * y[k * d + j] }
            }
        }
        return out
    }
}

/// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
/// balls around its points with radius the distance to the k-th nearest neighbour in the same set
/// (k = 3 by default). Precision: fraction of generated points inside the real manifold; recall:
/// fraction of real points inside the generated manifold.
public enum PrecisionRecall {
    /// (precision, recall) of `generated` [m, d] against `real` [n, d].
    public static func compute(real: Tensor, generated: Tensor, k: Int = 3) -> (precision: Double, recall: Double) {
        let realRadii = kthNeighbourSquaredRadii(real, k: k)
        let generatedRadii = kthNeighbourSquaredRadii(generated, k: k)
        let precision = coveredFraction(points: generated, centres: real, squaredRadii: realRadii)
        let recall = coveredFraction(points: real, centres: generated, squaredRadii: generatedRadii)
        return (precision, recall)
    }

    /// For each row of `x`, the squared distance to its k-th nearest other row.
    public static func kthNeighbourSquaredRadii(_ x: Tensor, k: Int) -> [Float] {
        let n = x.shape[0]
        precondition(n > k, "PrecisionRecall: need more than k = \(k) points, got \(n)")
        var radii = [Float](repeating: 0, count: n)
        squaredDistances(x, x) { row, distances in
            var smallest = [Float](repeating: .infinity, count: k)  // sorted ascending
            for (j, dist) in distances.enumerated() where j != row && dist < smallest[k - 1] {
                var p = k - 1
                while p > 0 && smallest[p - 1] > dist { smallest[p] = smallest[p - 1]; p -= 1 }
                smallest[p] = dist
            }
            radii[row] = smallest[k - 1]
        }
        return radii
    }

    /// Fraction of `points` within some centre's ball.
    public static func coveredFraction(points: Tensor, centres: Tensor, squaredRadii: [Float]) -> Double {
        var covered = 0
        squaredDistances(points, centres) { _, distances in
            for (j, dist) in distances.enumerated() where dist <= squaredRadii[j] { covered += 1; return }
        }
        return Double(covered) / Double(max(points.shape[0], 1))
    }

    /// Calls `body(i, d²(a_i, b_·))` for every row i of `a`, computing blocks with one matrix product.
    public static func squaredDistances(_ a: Tensor, _ b: Tensor, body: (Int, ArraySlice<Float>) -> Void) {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "PrecisionRecall: shapes \(a.shape) and \(b.shape)")
        let (n, m, d) = (a.shape[0], b.shape[0], a.shape[1])
        func norms(_ t: Tensor) -> [Float] {
            (0..<t.shape[0]).map { r in var s: Float = 0; for j in 0..<d { let v = t.scalars[r * d + j]; s += v * v }; return s }
        }
        let an = norms(a), bn = norms(b)
        let bv = Variable(b)
        let block = 256
        var start = 0
        while start < n {
            let end = min(start + block, n)
            let rows = Tensor(shape: [end - start, d], scalars: Array(a.scalars[start * d..<end * d]))
            var dots = withNoGrad { linear(Variable(rows), weight: bv) }.value.scalars
            for r in 0..<(end - start) {
                for j in 0..<m { dots[r * m + j] = max(an[start + r] + bn[j] - 2 * dots[r * m + j], 0) }
                body(start + r, dots[(r * m)..<((r + 1) * m)])
            }
            start = end
        }
    }
}
