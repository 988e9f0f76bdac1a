import Foundation


/// Softmax cross-entropy on logits, averaged over the batch, with its gradient.
///
///     L = (1/N) Σ_n [ logΣ_j exp(x_nj) − x_n,y_n ]     (log-sum-exp shifted by max_j x_nj)
///     ∂L/∂x_nj = (softmax(x_n)_j − [j = y_n]) / N
///
/// GANCore has no op for it, so the loss is computed here (in Double) and the gradient is fed to
/// the graph with `logits.backward(seed:)`.
public enum SoftmaxCrossEntropy {
    /// The mean loss over the rows of `logits` [N, C] and dL/dlogits [N, C].
    public static func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "SoftmaxCrossEntropy: logits shape \(logits.shape) does not fit \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(labels.allSatisfy { (0..<c).contains($0) }, "SoftmaxCrossEntropy: label outside 0..<\(c)")
        var gradient = [Float](repeating: 0, count: n * c)
        var total = 0.0
        for row in 0..<n {
            let base = row * c
            var top = -Double.infinity
            for j in 0..<c { top = max(top, Double(logits.scalars[base + j])) }
            var denominator = 0.0
            for j in 0..<c { denominator += exp(Double(logits.scalars[base + j]) - top) }
            let logSumExp = top + log(denominator)
            total += logSumExp - Double(logits.scalars[base + labels[row]])
            for j in 0..<c {
                let p = exp(Double(logits.scalars[base + j]) - logSumExp)
                gradient[base + j] = Float((p - (j == labels[row] ? 1 : 0)) / Double(n))
            }
        }
        return (Float(total / Double(n)), Tensor(shape: logits.shape, scalars: gradient))
    }
}
