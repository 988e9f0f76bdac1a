import Foundation
import GANCore

/// How the discriminator of a label-conditional GAN uses the label.
public enum ConditionalDiscriminatorHead: String, Codable, Sendable, CaseIterable {
    /// The projection discriminator (Miyato & Koyama 2018): logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩.
    case projection
    /// AC-GAN (Odena et al. 2017): an unconditional logit ψ(φ(x)) and class logits C(φ(x)) trained with
    /// cross-entropy on real and generated images; the generator is also rewarded for its images' class.
    case auxiliaryClassifier = "acgan"
}

/// The discriminator of a label-conditional GAN, with spectral normalisation on every convolution and
/// on the linear heads:
///
///     x → SNConv 4×4/2 (w) → lReLU  (→ k × [SNConv 3×3 (w) → lReLU])
///       → SNConv 4×4/2 (2w) → lReLU  (→ k × [SNConv 3×3 (2w) → lReLU])
///       → SNConv 3×3/1 (2w) → lReLU → global average pool → φ(x) [N, 2w]
///     projection: logit(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩     (ψ: SN Linear 2w → 1)
///     acgan:      logit(x) = ψ(φ(x)),  class logits = C(φ(x))  (C: SN Linear 2w → classes)
///
/// Leaky ReLU slope 0.1 as in SNGAN. The class embedding is not spectrally normalised.
/// k is `configuration.discriminatorConvsPerScale` (0: three convolutions, as SNGAN's smallest). State-dict names:
/// `conv1.*`, `conv2.*`, `conv3.*`, `head.*`, then `embed.weight` (projection) or `classifier.*` (acgan), and for the
/// 3×3 convolutions after `conv{i}` (i = 1, 2) `conv{i}_{j}.*`.
public final class ConditionalDiscriminator: Module, @unchecked Sendable {
    /// The shape this network was built for.
    public let configuration: ConditionalGANConfiguration
    /// First down-sampling convolution.
    public let conv1: Conv2d
    /// Second down-sampling convolution.
    public let conv2: Conv2d
    /// Stride-1 convolution before pooling.
    public let conv3: Conv2d
    /// The 3×3 convolutions after `conv1` and after `conv2`, in order.
    public let scaleConvs: [[Conv2d]]
    /// ψ: the unconditional part of the logit.
    public let head: Linear
    /// The class embeddings projected onto φ(x) (projection head only).
    public let embed: Embedding?
    /// C: the auxiliary classifier (AC-GAN head only).
    public let classifier: Linear?
    /// A constant [1, 2w] row of ones: sums a product over features.
    private let ones: Variable

    /// Creates the network; spectral-norm vectors and weights are drawn from `generator`.
    public init(configuration: ConditionalGANConfiguration, using generator: inout SeededGenerator) {
        precondition(configuration.problem == nil, "ConditionalDiscriminator: \(configuration.problem ?? "")")
        self.configuration = configuration
        let w = configuration.discriminatorWidth
        conv1 = Conv2d(inChannels: configuration.channels, outChannels: w, kernelSize: 4, stride: 2, padding: 1, using: &generator)
        conv2 = Conv2d(inChannels: w, outChannels: 2 * w, kernelSize: 4, stride: 2, padding: 1, using: &generator)
        conv3 = Conv2d(inChannels: 2 * w, outChannels: 2 * w, kernelSize: 3, stride: 1, padding: 1, using: &generator)
        scaleConvs = [w, 2 * w].map { c in
            (0..<configuration.discriminatorConvsPerScale).map { _ in
                Conv2d(inChannels: c, outChannels: c, kernelSize: 3, stride: 1, padding: 1, using: &generator)
            }
        }
        head = Linear(inFeatures: 2 * w, outFeatures: 1, using: &generator)
        switch configuration.discriminatorHead {
        case .projection:
            let bound = (6 / Float(configuration.classCount + 2 * w)).squareRoot()  // Xavier uniform, as in the paper's code
            embed = Embedding(table: Tensor.randomUniform([configuration.classCount, 2 * w], low: -bound, high: bound, using: &generator))
            classifier = nil
        case .auxiliaryClassifier:
            embed = nil
            classifier = Linear(inFeatures: 2 * w, outFeatures: configuration.classCount, using: &generator)
        }
        ones = Variable(Tensor.ones([1, 2 * w]))
        for conv in [conv1, conv2, conv3] + scaleConvs.joined() { conv.applySpectralNorm(using: &generator) }
        head.applySpectralNorm(using: &generator)
        classifier?.applySpectralNorm(using: &generator)
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        var result: [(name: String, module: Module)] = [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("head", head)]
        if let embed { result.append(("embed", embed)) }
        if let classifier { result.append(("classifier", classifier)) }
        for (i, convs) in scaleConvs.enumerated() { result += convs.indices.map { ("conv\(i + 1)_\($0)", convs[$0]) } }
        return result
    }

    /// h → k × [SNConv 3×3 → lReLU] after `conv{scale + 1}`.
    private func refine(_ h: Variable, scale: Int) -> Variable {
        scaleConvs[scale].reduce(h) { leakyReLU($1($0), slope: 0.1) }
    }

    /// φ(x): pooled features [N, 2w] of images [N, channels, size, size].
    public func features(_ x: Variable) -> Variable {
        var h = refine(leakyReLU(conv1(x), slope: 0.1), scale: 0)
        h = refine(leakyReLU(conv2(h), slope: 0.1), scale: 1)
        h = leakyReLU(conv3(h), slope: 0.1)
        return reshape(avgPool2d(h, kernel: h.shape[2]), to: [x.shape[0], h.shape[1]])
    }

    /// The adversarial logits [N, 1] and, with the AC-GAN head, the class logits [N, classes].
    public func outputs(_ x: Variable, labels: [Int]) -> (logits: Variable, classLogits: Variable?) {
        precondition(labels.count == x.shape[0], "ConditionalDiscriminator: \(labels.count) labels for input shape \(x.shape)")
        let phi = features(x)
        if let embed { return (head(phi) + linear(embed(labels) * phi, weight: ones), nil) }
        return (head(phi), classifier.map { $0(phi) })
    }

    /// The adversarial logits [N, 1] for images `x` [N, channels, size, size] with one label per image.
    public func callAsFunction(_ x: Variable, labels: [Int]) -> Variable { outputs(x, labels: labels).logits }
}
