import GANCore

/// A DCGAN-style generator of p(x | y) whose batch norms take their scale and shift from the class
/// label (conditional batch norm, de Vries et al. 2017; Miyato & Koyama 2018):
///
///     z [N, latent] → Linear → [N, 2w, s/4, s/4] → CBN → ReLU  (→ k × [Conv 3×3 → CBN → ReLU])
///       → ConvTranspose 4×4/2 → [N, w, s/2, s/2] → CBN → ReLU  (→ k × [Conv 3×3 → CBN → ReLU])
///       → ConvTranspose 4×4/2 → [N, channels, s, s] → tanh
///
/// k is `configuration.generatorConvsPerScale` (0: the plain DCGAN stack). State-dict names: `fc.*`, `bn0.*`,
/// `up1.*`, `bn1.*`, `up2.*`, and for the 3×3 convolutions at scale i `conv{i}_{j}.*` with norms `cbn{i}_{j}.*`.
public final class LabelConditionalGenerator: Module, @unchecked Sendable {
    /// The shape this network was built for.
    public let configuration: ConditionalGANConfiguration
    /// z → the first feature maps.
    public let fc: Linear
    /// Conditional batch norm of the first feature maps.
    public let bn0: ConditionalBatchNorm2d
    /// First up-sampling (×2).
    public let up1: ConvTranspose2d
    /// Conditional batch norm after the first up-sampling.
    public let bn1: ConditionalBatchNorm2d
    /// Second up-sampling (×2) to image channels.
    public let up2: ConvTranspose2d
    /// The 3×3 convolutions at each of the two lower scales (s/4 and s/2), in order.
    public let scaleConvs: [[Conv2d]]
    /// Their conditional batch norms.
    public let scaleNorms: [[ConditionalBatchNorm2d]]

    /// Creates the network with PyTorch's default initialisation from `generator`.
    public init(configuration: ConditionalGANConfiguration, using generator: inout SeededGenerator) {
        precondition(configuration.problem == nil, "LabelConditionalGenerator: \(configuration.problem ?? "")")
        self.configuration = configuration
        let w = configuration.generatorWidth, s0 = configuration.imageSize / 4
        fc = Linear(inFeatures: configuration.latentSize, outFeatures: 2 * w * s0 * s0, using: &generator)
        bn0 = ConditionalBatchNorm2d(channels: 2 * w, numClasses: configuration.classCount)
        up1 = ConvTranspose2d(inChannels: 2 * w, outChannels: w, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &generator)
        bn1 = ConditionalBatchNorm2d(channels: w, numClasses: configuration.classCount)
        up2 = ConvTranspose2d(inChannels: w, outChannels: configuration.channels, kernelSize: 4, stride: 2, padding: 1, using: &generator)
        let k = configuration.generatorConvsPerScale
        scaleConvs = [2 * w, w].map { c in
            (0..<k).map { _ in Conv2d(inChannels: c, outChannels: c, kernelSize: 3, stride: 1, padding: 1, bias: false, using: &generator) }
        }
        scaleNorms = [2 * w, w].map { c in (0..<k).map { _ in ConditionalBatchNorm2d(channels: c, numClasses: configuration.classCount) } }
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        var out: [(name: String, module: Module)] = [("fc", fc), ("bn0", bn0), ("up1", up1), ("bn1", bn1), ("up2", up2)]
        for (i, convs) in scaleConvs.enumerated() {
            for j in convs.indices { out += [("conv\(i)_\(j)", convs[j]), ("cbn\(i)_\(j)", scaleNorms[i][j])] }
        }
        return out
    }

    /// h → k × [Conv 3×3 → CBN → ReLU] at scale `i`.
    private func refine(_ h: Variable, scale i: Int, labels: [Int]) -> Variable {
        var h = h
        for j in scaleConvs[i].indices { h = relu(scaleNorms[i][j](scaleConvs[i][j](h), labels: labels)) }
        return h
    }

    /// Images [N, channels, size, size] in (-1, 1) for latents `z` [N, latent] and one label per row.
    public func callAsFunction(_ z: Variable, labels: [Int]) -> Variable {
        precondition(z.shape.count == 2 && z.shape[1] == configuration.latentSize && labels.count == z.shape[0],
                     "LabelConditionalGenerator: z shape \(z.shape) and \(labels.count) labels do not fit latent size \(configuration.latentSize)")
        precondition(labels.allSatisfy { (0..<configuration.classCount).contains($0) }, "LabelConditionalGenerator: label out of range")
        let s0 = configuration.imageSize / 4
        var h = reshape(fc(z), to: [z.shape[0], 2 * configuration.generatorWidth, s0, s0])
        h = refine(relu(bn0(h, labels: labels)), scale: 0, labels: labels)
        h = refine(relu(bn1(up1(h), labels: labels)), scale: 1, labels: labels)
        return tanh(up2(h))
    }
}
