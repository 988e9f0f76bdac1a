import Foundation

/// Kernel Inception Distance (KID, Bińkowski et al. 2018), in any feature space: the unbiased estimate of the
/// squared maximum mean discrepancy between two feature sets with the cubic polynomial kernel
///
///     k(x, y) = (xᵀy / d + 1)³
///     MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i, x_j) + 1/(n(n−1)) Σ_{i≠j} k(y_i, y_j) − 2/(mn) Σ_{i,j} k(x_i, y_j)
///
/// as in clean-fid and torch-fidelity (which average it over random subsets of equal size). Unlike FID it is
/// unbiased in the sample size, so small sets (a few hundred images) can be compared; being unbiased, it can be
/// slightly negative when the two sets come from the same distribution. Symmetric in its arguments.
public enum KernelDistance {
    /// The result over subsets: their mean and standard deviation (0 with one subset).
    public struct Estimate: Sendable, Equatable, Codable {
        /// Mean of the unbiased MMD² over the subsets.
        public var mean: Double
        /// Standard deviation over the subsets.
        public var standardDeviation: Double
        /// Subsets averaged.
        public var subsets: Int
        /// Points per set in each subset.
        public var subsetSize: Int
        /// Creates an estimate.
        public init(mean: Double, standardDeviation: Double, subsets: Int, subsetSize: Int) {
            (self.mean, self.standardDeviation, self.subsets, self.subsetSize) = (mean, standardDeviation, subsets, subsetSize)
        }
    }

    /// The cubic polynomial kernel matrix k(a_i, b_j) of [m, d] and [n, d], row-major m×n, in Double.
    public static func polynomialKernel(_ a: Tensor, _ b: Tensor) -> [Double] {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "KernelDistance: shapes \(a.shape) and \(b.shape)")
        let (m, n, d) = (a.shape[0], b.shape[0], a.shape[1])
        var out = [Double](repeating: 0, count: m * n)
        a.scalars.withUnsafeBufferPointer { x in
            b.scalars.withUnsafeBufferPointer { y in
                for i in 0..<m {
                    for j in 0..<n {
                        var dot = 0.0
                        for k in 0..<d { dot += Double(x[i * d + k]) * Double(y[j * d + k]) }
                        let base = dot / Double(d) + 1
                        out[i * n + j] = base * base * base
                    }
                }
            }
        }
        return out
    }

    /// The unbiased MMD² between all rows of `a` [m, d] and of `b` [n, d] (m, n ≥ 2).
    public static func unbiasedMMD2(_ a: Tensor, _ b: Tensor) -> Double {
        let (m, n) = (a.shape[0], b.shape[0])
        precondition(m >= 2 && n >= 2, "KernelDistance: need at least 2 points per set, got \(m) and \(n)")
        let kxx = polynomialKernel(a, a), kyy = polynomialKernel(b, b), kxy = polynomialKernel(a, b)
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in 0..<m { for j in 0..<m where i != j { sxx += kxx[i * m + j] } }
        for i in 0..<n { for j in 0..<n where i != j { syy += kyy[i * n + j] } }
        for v in kxy { sxy += v }
        return sxx / Double(m * (m - 1)) + syy / Double(n * (n - 1)) - 2 * sxy / Double(m * n)
    }

    /// KID as clean-fid computes it: the mean (and spread) of `unbiasedMMD2` over `subsets` random subsets of
    /// `subsetSize` rows of each set (drawn without replacement within a subset, seeded). With `subsetSize` at
    /// least both set sizes and one subset, this is the estimate over all rows.
    public static func kid(_ a: Tensor, _ b: Tensor, subsets: Int = 100, subsetSize: Int = 1000, seed: UInt64 = 0) -> Estimate {
        let size = min(subsetSize, a.shape[0], b.shape[0])
        precondition(size >= 2 && subsets >= 1, "KernelDistance: need subsets >= 1 and at least 2 points per set")
        if size == a.shape[0] && size == b.shape[0] {
            return Estimate(mean: unbiasedMMD2(a, b), standardDeviation: 0, subsets: 1, subsetSize: size)
        }
        var random = SeededGenerator(seed: seed)
        var values: [Double] = []
        for _ in 0..<subsets {
            let x = rows(a, Array(Array(0..<a.shape[0]).shuffled(using: &random).prefix(size)))
            let y = rows(b, Array(Array(0..<b.shape[0]).shuffled(using: &random).prefix(size)))
            values.append(unbiasedMMD2(x, y))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.count < 2 ? 0 : values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return Estimate(mean: mean, standardDeviation: variance.squareRoot(), subsets: subsets, subsetSize: size)
    }

    /// The rows `indices` of [n, d].
    public static func rows(_ x: Tensor, _ indices: [Int]) -> Tensor {
        let d = x.shape[1]
        var out: [Float] = []
        out.reserveCapacity(indices.count * d)
        for i in indices { out += x.scalars[i * d..<(i + 1) * d] }
        return Tensor(shape: [indices.count, d], scalars: out)
    }
}
