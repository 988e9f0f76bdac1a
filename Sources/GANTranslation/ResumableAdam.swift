import GANCore

/// Adam with PyTorch's update rule (the same arithmetic, in the same order, as GANCore's `Adam`), whose
/// moment estimates and step count can be read and restored, so that a checkpoint resumes training exactly.
/// GANCore's `Adam` keeps its moments private; this type stays in GANTranslation rather than changing it.
///
/// g ← ∇ + λ·θ;  m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  θ ← θ - lr · (m/(1-β1ᵗ)) / (√(v/(1-β2ᵗ)) + ε).
public final class ResumableAdam: Optimizer {
    /// The learning rate used by the next step.
    public var learningRate: Float
    /// The parameters this optimizer updates.
    public let parameters: [Variable]
    /// Decay rate of the first-moment estimate.
    public let beta1: Float
    /// Decay rate of the second-moment estimate.
    public let beta2: Float
    /// Added to the denominator for numerical stability.
    public let epsilon: Float
    /// L2 penalty coefficient added to the gradient (PyTorch `weight_decay`).
    public let weightDecay: Float
    /// The number of steps taken so far (t in the bias corrections).
    public var stepCount = 0
    /// First-moment estimates, one array per parameter.
    public private(set) var firstMoments: [[Float]]
    /// Second-moment estimates, one array per parameter.
    public private(set) var secondMoments: [[Float]]

    /// Creates the optimizer with zero moments.
    public init(_ parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        secondMoments = firstMoments
    }

    /// Replaces the moments and step count (from a checkpoint).
    /// - Throws: `CheckpointError.optimizerMismatch` when the counts or sizes do not match the parameters.
    public func restore(stepCount: Int, firstMoments m: [[Float]], secondMoments v: [[Float]]) throws(CheckpointError) {
        guard m.count == parameters.count, v.count == parameters.count,
              zip(parameters, zip(m, v)).allSatisfy({ $0.value.count == $1.0.count && $0.value.count == $1.1.count }) else {
            throw .optimizerMismatch("saved moments do not match the \(parameters.count) parameters")
        }
        self.stepCount = stepCount
        firstMoments = m
        secondMoments = v
    }

    /// Applies one Adam update; parameters without a gradient are skipped.
    public func step() {
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), stepCount))
        let correction2 = 1 - Float(pow(Double(beta2), stepCount))
        let (b1, b2, eps, decay, lr) = (beta1, beta2, epsilon, weightDecay, learningRate)
        for (k, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            precondition(grad.shape == parameter.value.shape, "ResumableAdam: gradient shape \(grad.shape) differs from \(parameter.value.shape)")
            grad.scalars.withUnsafeBufferPointer { g in
                firstMoments[k].withUnsafeMutableBufferPointer { m in
                    secondMoments[k].withUnsafeMutableBufferPointer { v in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { t in
                            for i in 0..<g.count {
                                let gi = g[i] + decay * t[i]
                                m[i] = b1 * m[i] + (1 - b1) * gi
                                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                                let mHat = m[i] / correction1, vHat = v[i] / correction2
                                t[i] -= lr * mHat / (vHat.squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `base` raised to a non-negative integer power by repeated multiplication (as GANCore's Adam does).
    private func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= base }
        return result
    }
}
