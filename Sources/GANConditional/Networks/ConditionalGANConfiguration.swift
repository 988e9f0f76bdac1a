/// The shape of a label-conditional GAN: image size and channels, number of classes, latent size
/// and network widths. Stored in checkpoints (`state.json`), so a model rebuilds from its folder.
public struct ConditionalGANConfiguration: Codable, Sendable, Equatable {
    /// Side of the square images: 28 (MNIST as stored) or 32 (padded), or any multiple of 4.
    public var imageSize = 28
    /// Image channels (1 for MNIST).
    public var channels = 1
    /// Number of class labels.
    public var classCount = 10
    /// Length of the latent vector z ~ N(0, I).
    public var latentSize = 64
    /// Base width of the generator (its first feature maps have 2× this many channels).
    public var generatorWidth = 64
    /// Base width of the discriminator (its last feature maps have 2× this many channels).
    public var discriminatorWidth = 64
    /// How the discriminator uses the label: projection (default) or an AC-GAN classifier head.
    public var discriminatorHead = ConditionalDiscriminatorHead.projection
    /// 3×3 convolutions (each with conditional batch norm and ReLU) the generator adds at each of its two
    /// lower resolutions, before up-sampling: 0 is the plain DCGAN stack.
    public var generatorConvsPerScale = 0
    /// 3×3 spectrally normalised convolutions (each with leaky ReLU) the discriminator adds after each of its two
    /// down-samplings: 0 is the three-convolution network.
    public var discriminatorConvsPerScale = 0

    /// The defaults: 28×28 grey images, 10 classes, z of 64, widths 64.
    public init() {}

    /// Creates a configuration; unspecified fields keep their defaults.
    public init(imageSize: Int = 28, channels: Int = 1, classCount: Int = 10, latentSize: Int = 64,
                generatorWidth: Int = 64, discriminatorWidth: Int = 64) {
        (self.imageSize, self.channels, self.classCount, self.latentSize) = (imageSize, channels, classCount, latentSize)
        (self.generatorWidth, self.discriminatorWidth) = (generatorWidth, discriminatorWidth)
    }

    private enum CodingKeys: String, CodingKey {
        case imageSize, channels, classCount, latentSize, generatorWidth, discriminatorWidth, discriminatorHead, generatorConvsPerScale
        case discriminatorConvsPerScale
    }

    /// Decodes a configuration; `discriminatorHead`, absent from checkpoints written before AC-GAN, means projection.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        channels = try c.decode(Int.self, forKey: .channels)
        classCount = try c.decode(Int.self, forKey: .classCount)
        latentSize = try c.decode(Int.self, forKey: .latentSize)
        generatorWidth = try c.decode(Int.self, forKey: .generatorWidth)
        discriminatorWidth = try c.decode(Int.self, forKey: .discriminatorWidth)
        discriminatorHead = try c.decodeIfPresent(ConditionalDiscriminatorHead.self, forKey: .discriminatorHead) ?? .projection
        generatorConvsPerScale = try c.decodeIfPresent(Int.self, forKey: .generatorConvsPerScale) ?? 0
        discriminatorConvsPerScale = try c.decodeIfPresent(Int.self, forKey: .discriminatorConvsPerScale) ?? 0
    }

    /// Encodes every field; `generatorConvsPerScale` and `discriminatorConvsPerScale` only when not 0, so plain models keep their manifests and checkpoints
    /// byte for byte.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(imageSize, forKey: .imageSize)
        try c.encode(channels, forKey: .channels)
        try c.encode(classCount, forKey: .classCount)
        try c.encode(latentSize, forKey: .latentSize)
        try c.encode(generatorWidth, forKey: .generatorWidth)
        try c.encode(discriminatorWidth, forKey: .discriminatorWidth)
        try c.encode(discriminatorHead, forKey: .discriminatorHead)
        if generatorConvsPerScale != 0 { try c.encode(generatorConvsPerScale, forKey: .generatorConvsPerScale) }
        if discriminatorConvsPerScale != 0 { try c.encode(discriminatorConvsPerScale, forKey: .discriminatorConvsPerScale) }
    }

    /// At most the number of weights of the `LabelConditionalGenerator` of this configuration (its linear
    /// layer, 3×3 and transposed convolutions, biases and norms left out), computed without building it.
    public var generatorParameterLowerBound: Int {
        let w = generatorWidth, s0 = imageSize / 4
        return latentSize * 2 * w * s0 * s0 + 16 * (2 * w * w + w * channels) + generatorConvsPerScale * 9 * (4 * w * w + w * w)
    }

    /// A problem with the values, or `nil` when they are usable.
    public var problem: String? {
        if imageSize < 8 || imageSize % 4 != 0 { return "image size must be a multiple of 4 and at least 8, got \(imageSize)" }
        if channels < 1 || classCount < 1 || latentSize < 1 { return "channels, class count and latent size must be positive" }
        if generatorWidth < 1 || discriminatorWidth < 1 { return "widths must be positive" }
        if !(0...4).contains(generatorConvsPerScale) { return "generator convolutions per scale must be 0 to 4, got \(generatorConvsPerScale)" }
        if !(0...4).contains(discriminatorConvsPerScale) {
            return "discriminator convolutions per scale must be 0 to 4, got \(discriminatorConvsPerScale)"
        }
        if imageSize > 1024 || channels > 4 || classCount > 100_000 || latentSize > 65_536 || generatorWidth > 4096 || discriminatorWidth > 4096 {
            return "image size (at most 1024), channels (4), class count (100000), latent size (65536) or widths (4096) too large"
        }
        return nil
    }
}
