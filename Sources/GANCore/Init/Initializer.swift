import Foundation

// Weight initialisers with PyTorch's formulas (torch.nn.init).
// fan_in = shape[1]·Π shape[2...], fan_out = shape[0]·Π shape[2...] (PyTorch's convention, also for
// ConvTranspose weights). gain(leaky_relu, a) = √(2/(1 + a²)).
// xavier_normal: std = gain·√(2/(fan_in + fan_out));  xavier_uniform: U(-b, b), b = gain·√(6/(fan_in + fan_out)).
// kaiming_normal: std = gain(a)/√fan;  kaiming_uniform: b = gain(a)·√(3/fan).

/// Which fan `kaimingNormal` / `kaimingUniform` scale by.
public enum FanMode: Sendable {
    /// Preserve the forward pass's variance (PyTorch's default).
    case fanIn
    /// Preserve the backward pass's variance.
    case fanOut
}

/// A rule for filling a weight tensor, matching `torch.nn.init`.
public enum Initializer: Sendable {
    /// Every element equal to the value.
    case constant(Float)
    /// N(mean, std²); pix2pix/CycleGAN's "normal" init is `.normal(mean: 0, std: 0.02)`.
    case normal(mean: Float, std: Float)
    /// U(low, high).
    case uniform(low: Float, high: Float)
    /// Glorot normal with the given gain.
    case xavierNormal(gain: Float)
    /// Glorot uniform with the given gain.
    case xavierUniform(gain: Float)
    /// He normal for a leaky-ReLU slope `a` (0 for ReLU).
    case kaimingNormal(a: Float, mode: FanMode)
    /// He uniform for a leaky-ReLU slope `a`; PyTorch's default Conv/Linear weight init uses a = √5.
    case kaimingUniform(a: Float, mode: FanMode)

    /// PyTorch's (fan_in, fan_out) for a weight shape of rank 2 or more.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializer.fans: needs rank >= 2, got shape \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Returns a new tensor of `shape` filled by this rule.
    public func tensor(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        switch self {
        case .constant(let value):
            return Tensor(shape: shape, repeating: value)
        case .normal(let mean, let std):
            return Tensor.randomNormal(shape, mean: mean, std: std, using: &generator)
        case .uniform(let low, let high):
            return Tensor.randomUniform(shape, low: low, high: high, using: &generator)
        case .xavierNormal(let gain):
            let (fanIn, fanOut) = Self.fans(shape)
            return Tensor.randomNormal(shape, std: gain * (2 / Float(fanIn + fanOut)).squareRoot(), using: &generator)
        case .xavierUniform(let gain):
            let (fanIn, fanOut) = Self.fans(shape)
            let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.randomUniform(shape, low: -bound, high: bound, using: &generator)
        case .kaimingNormal(let a, let mode):
            let fan = Self.fan(shape, mode)
            return Tensor.randomNormal(shape, std: Self.leakyReLUGain(a) / Float(fan).squareRoot(), using: &generator)
        case .kaimingUniform(let a, let mode):
            let bound = Self.leakyReLUGain(a) * (3 / Float(Self.fan(shape, mode))).squareRoot()
            return Tensor.randomUniform(shape, low: -bound, high: bound, using: &generator)
        }
    }

    /// PyTorch's `calculate_gain("leaky_relu", a)`.
    public static func leakyReLUGain(_ a: Float) -> Float { (2 / (1 + a * a)).squareRoot() }

    private static func fan(_ shape: [Int], _ mode: FanMode) -> Int {
        let (fanIn, fanOut) = fans(shape)
        return mode == .fanIn ? fanIn : fanOut
    }
}
