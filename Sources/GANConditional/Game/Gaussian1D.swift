import Foundation
import GANCore

/// A one-dimensional normal distribution N(mean, std²): the data distribution of the toy game in
/// Figure 4 of Goodfellow et al. 2014 (Generative Adversarial Nets).
public struct Gaussian1D: Sendable, Equatable {
    /// The mean μ.
    public var mean: Float
    /// The standard deviation σ (> 0).
    public var std: Float

    /// Creates N(mean, std²).
    public init(mean: Float, std: Float) {
        precondition(std > 0, "Gaussian1D: std must be positive, got \(std)")
        (self.mean, self.std) = (mean, std)
    }

    /// The density p(x) = exp(-(x-μ)²/2σ²) / (σ√(2π)).
    public func density(_ x: Float) -> Float {
        let u = (x - mean) / std
        return Float(exp(Double(-0.5 * u * u)) / (Double(std) * (2 * Double.pi).squareRoot()))
    }

    /// The cumulative distribution Φ((x-μ)/σ).
    public func cumulative(_ x: Float) -> Float {
        Float(0.5 * erfc(-Double((x - mean) / std) / 2.0.squareRoot()))
    }

    /// The quantile function: the x with cumulative(x) = p, for p in (0, 1), by bisection.
    public func quantile(_ p: Float) -> Float {
        precondition(p > 0 && p < 1, "Gaussian1D.quantile: p must be in (0, 1), got \(p)")
        var (low, high) = (-10.0, 10.0)
        for _ in 0..<40 {
            let middle = (low + high) / 2
            if 0.5 * erfc(-middle / 2.0.squareRoot()) < Double(p) { low = middle } else { high = middle }
        }
        return mean + std * Float((low + high) / 2)
    }

    /// `count` independent samples as a column tensor [count, 1].
    public func sample(_ count: Int, using generator: inout SeededGenerator) -> Tensor {
        Tensor.randomNormal([count, 1], mean: mean, std: std, using: &generator)
    }
}
