import Foundation
import GANCore

/// A discriminator with a projection head (Miyato & Koyama 2018, "cGANs with Projection
/// Discriminator") and spectral normalisation on every convolution and on the linear head:
///
///     x → SNConv 4×4/2 (w) → lReLU → SNConv 4×4/2 (2w) → lReLU → SNConv 3×3/1 (2w) → lReLU
///       → global average pool → φ(x) [N, 2w]
///     logit(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩     (ψ: SN Linear 2w → 1)
///
/// Leaky ReLU slope 0.1 as in SNGAN. The class embedding is not spectrally normalised.
/// State-dict names: `conv1.*`, `conv2.*`, `conv3.*`, `head.*`, `embed.weight`.
public final class ProjectionDiscriminator: Module, @unchecked Sendable {
    /// The shape this network was built for.
    public let configuration: ConditionalGANConfiguration
    /// First down-sampling convolution.
    public let conv1: Conv2d
    /// Second down-sampling convolution.
    public let conv2: Conv2d
    /// Stride-1 convolution before pooling.
    public let conv3: Conv2d
    /// ψ: the unconditional part of the logit.
    public let head: Linear
    /// The class embeddings projected onto φ(x).
    public let embed: Embedding
    /// A constant [1, 2w] row of ones: sums a product over features.
    private let ones: Variable

    /// Creates the network; spectral-norm vectors and weights are drawn from `generator`.
    public init(configuration: ConditionalGANConfiguration, using generator: inout SeededGenerator) {
        precondition(configuration.problem == nil, "ProjectionDiscriminator: \(configuration.problem ?? "")")
        self.configuration = configuration
        let w = configuration.discriminatorWidth
        conv1 = Conv2d(inChannels: configuration.channels, outChannels: w, kernelSize: 4, stride: 2, padding: 1, using: &generator)
        conv2 = Conv2d(inChannels: w, outChannels: 2 * w, kernelSize: 4, stride: 2, padding: 1, using: &generator)
        conv3 = Conv2d(inChannels: 2 * w, outChannels: 2 * w, kernelSize: 3, stride: 1, padding: 1, using: &generator)
        head = Linear(inFeatures: 2 * w, outFeatures: 1, using: &generator)
        let bound = (6 / Float(configuration.classCount + 2 * w)).squareRoot()  // Xavier uniform, as in the paper's code
        embed = Embedding(table: Tensor.randomUniform([configuration.classCount, 2 * w], low: -bound, high: bound, using: &generator))
        ones = Variable(Tensor.ones([1, 2 * w]))
        for conv in [conv1, conv2, conv3] { conv.applySpectralNorm(using: &generator) }
        head.applySpectralNorm(using: &generator)
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("head", head), ("embed", embed)]
    }

    /// Logits [N, 1] for images `x` [N, channels, size, size] with one label per image.
    public func callAsFunction(_ x: Variable, labels: [Int]) -> Variable {
        precondition(labels.count == x.shape[0], "ProjectionDiscriminator: \(labels.count) labels for input shape \(x.shape)")
        var h = leakyReLU(conv1(x), slope: 0.1)
        h = leakyReLU(conv2(h), slope: 0.1)
        h = leakyReLU(conv3(h), slope: 0.1)
        let features = reshape(avgPool2d(h, kernel: h.shape[2]), to: [x.shape[0], h.shape[1]])
        return head(features) + linear(embed(labels) * features, weight: ones)
    }
}
