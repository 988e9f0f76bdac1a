import GANCore

/// The shape of the inpainting GAN: a single-stage gated-convolution generator (DeepFill v2's coarse network, Yu et
/// al. 2019) and an SN-PatchGAN discriminator. Recorded in checkpoints and model manifests.
public struct InpaintingConfiguration: Codable, Sendable, Equatable {
    /// The generator's base width: its layers have cnum, 2·cnum and 4·cnum channels (DeepFill v2: 48; 24 here, a
    /// quarter of the compute, for CPU training).
    public var cnum = 24
    /// The discriminator's first-layer width: its layers have ndf, 2·ndf, then 4·ndf channels (DeepFill v2: 64).
    public var ndf = 32
    /// Stride-2 5×5 layers of the SN-PatchGAN (DeepFill v2: 6).
    public var discriminatorLayers = 6
    /// Side of the square training crops (a multiple of `multiple`).
    public var imageSize = 128

    /// Creates a configuration; every field defaults to the CPU-sized network described above.
    public init(cnum: Int = 24, ndf: Int = 32, discriminatorLayers: Int = 6, imageSize: Int = 128) {
        (self.cnum, self.ndf, self.discriminatorLayers, self.imageSize) = (cnum, ndf, discriminatorLayers, imageSize)
    }

    /// The generator's channels in: the masked image (3), the mask (1) and a plane of ones (1), as DeepFill feeds
    /// it so that zero padding stays distinguishable from a zeroed hole.
    public static let generatorInputChannels = 5

    /// The generator downsamples by this factor: inference pads each side to a multiple of it.
    public static let multiple = 4

    /// Why the configuration cannot build networks, or nil.
    public var problem: String? {
        if !(2...256).contains(cnum) || cnum % 2 != 0 { return "cnum must be an even number in 2...256, got \(cnum)" }
        if !(1...512).contains(ndf) { return "ndf must be 1...512, got \(ndf)" }
        if !(1...8).contains(discriminatorLayers) { return "discriminator layers must be 1...8, got \(discriminatorLayers)" }
        if imageSize < 16 || imageSize > 1024 || imageSize % Self.multiple != 0 {
            return "image size \(imageSize) must be a multiple of \(Self.multiple) in 16...1024"
        }
        return nil
    }

    /// A short architecture name, e.g. `gated coarse cnum 24, sn-patchgan 6 layers ndf 32`.
    public var architecture: String { "gated coarse cnum \(cnum), sn-patchgan \(discriminatorLayers) layers ndf \(ndf)" }

    /// At most the number of weights of the generator built from this configuration: its gated kernels (2·out
    /// channels each) and the output convolution, biases left out. A model folder's weight file must hold at least
    /// this many before the network is built.
    public var generatorParameterLowerBound: Int {
        InpaintingGenerator.layerPlan(cnum: cnum).reduce(0) { $0 + $1.kernel * $1.kernel * $1.inChannels * $1.outChannels * ($1.gated ? 2 : 1) }
    }
}

/// DeepFill v2's coarse network as a single-stage inpainting generator (every layer but the last a `GatedConv2d` with
/// LeakyReLU(0.2) features, zero padding):
///
///     5×5 cnum · 3×3/2 2cnum · 3×3 2cnum · 3×3/2 4cnum · 3×3 4cnum ×2
///     · 3×3 4cnum dilation 2, 4, 8, 16 · 3×3 4cnum ×2
///     · nearest ×2, 3×3 2cnum · 3×3 2cnum · nearest ×2, 3×3 cnum · 3×3 cnum/2 · conv 3×3 → 3, tanh
///
/// Input [N, 5, H, W]: the image in [-1, 1] with hole pixels set to 0, the mask (1 = hole), ones. H and W must be
/// multiples of 4. Output [N, 3, H, W] in [-1, 1] everywhere; callers composite it over the known pixels. All layers
/// are children `0`, `1`, ... of `model` (a `Sequential`; upsampling layers have no weights).
public final class InpaintingGenerator: Module, @unchecked Sendable {
    /// The whole network.
    public let model: Sequential
    /// The base width it was built with.
    public let cnum: Int

    /// One convolution of the plan: kernel, channels, stride, dilation, whether gated, whether an upsampling precedes it.
    struct Layer {
        let kernel: Int, inChannels: Int, outChannels: Int, stride: Int, dilation: Int, gated: Bool, upsampleFirst: Bool
    }

    /// The layers in order (DeepFill v2's coarse network with base width `cnum`).
    static func layerPlan(cnum c: Int) -> [Layer] {
        func g(_ k: Int, _ i: Int, _ o: Int, stride: Int = 1, dilation: Int = 1, up: Bool = false) -> Layer {
            Layer(kernel: k, inChannels: i, outChannels: o, stride: stride, dilation: dilation, gated: true, upsampleFirst: up)
        }
        return [
            g(5, InpaintingConfiguration.generatorInputChannels, c), g(3, c, 2 * c, stride: 2), g(3, 2 * c, 2 * c),
            g(3, 2 * c, 4 * c, stride: 2), g(3, 4 * c, 4 * c), g(3, 4 * c, 4 * c),
            g(3, 4 * c, 4 * c, dilation: 2), g(3, 4 * c, 4 * c, dilation: 4), g(3, 4 * c, 4 * c, dilation: 8),
            g(3, 4 * c, 4 * c, dilation: 16), g(3, 4 * c, 4 * c), g(3, 4 * c, 4 * c),
            g(3, 4 * c, 2 * c, up: true), g(3, 2 * c, 2 * c), g(3, 2 * c, c, up: true), g(3, c, c / 2),
            Layer(kernel: 3, inChannels: c / 2, outChannels: 3, stride: 1, dilation: 1, gated: false, upsampleFirst: false),
        ]
    }

    /// Builds the network with PyTorch's default initialisation drawn from `generator`.
    /// - Precondition: `cnum` is even and positive.
    public init(cnum: Int, using generator: inout SeededGenerator) {
        precondition(cnum >= 2 && cnum % 2 == 0, "InpaintingGenerator: cnum must be even and positive, got \(cnum)")
        var layers: [Module] = []
        for layer in Self.layerPlan(cnum: cnum) {
            if layer.upsampleFirst { layers.append(Upsample(scale: 2, mode: .nearest)) }
            let padding = layer.dilation * (layer.kernel - 1) / 2
            if layer.gated {
                layers.append(GatedConv2d(inChannels: layer.inChannels, outChannels: layer.outChannels, kernelSize: layer.kernel,
                                          stride: layer.stride, padding: padding, dilation: layer.dilation, using: &generator))
            } else {
                layers.append(Conv2d(inChannels: layer.inChannels, outChannels: layer.outChannels, kernelSize: layer.kernel,
                                     padding: padding, using: &generator))
            }
        }
        layers.append(Tanh())
        model = Sequential(layers)
        self.cnum = cnum
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// Multiply-adds of one forward pass at `size` x `size` with base width `cnum` (gated layers count both halves).
    public static func multiplyAdds(cnum: Int, size: Int) -> Double {
        var side = size, macs = 0.0
        for layer in layerPlan(cnum: cnum) {
            if layer.upsampleFirst { side *= 2 }
            side /= layer.stride
            macs += Double(side * side) * Double(layer.inChannels * layer.outChannels * (layer.gated ? 2 : 1) * layer.kernel * layer.kernel)
        }
        return macs
    }

    /// Maps the 5-channel input [N, 5, H, W] to an image [N, 3, H, W].
    override public func forward(_ input: Variable) -> Variable {
        precondition(input.shape.count == 4 && input.shape[1] == InpaintingConfiguration.generatorInputChannels
                     && input.shape[2] % InpaintingConfiguration.multiple == 0 && input.shape[3] % InpaintingConfiguration.multiple == 0,
                     "InpaintingGenerator: need [N, 5, H, W] with H and W multiples of 4, got \(input.shape)")
        return model(input)
    }

    /// The generator's input for `image` [N, 3, H, W] in [-1, 1] and `mask` [N, 1, H, W] (1 = hole): the image with
    /// hole pixels set to 0, the mask, and a plane of ones.
    public static func input(image: Tensor, mask: Tensor) -> Tensor {
        let (n, c, h, w) = (image.shape[0], image.shape[1], image.shape[2], image.shape[3])
        precondition(c == 3 && mask.shape == [n, 1, h, w], "InpaintingGenerator.input: need image [N, 3, H, W] and mask [N, 1, H, W], got \(image.shape) and \(mask.shape)")
        let plane = h * w
        var out = [Float](repeating: 1, count: n * 5 * plane)
        for b in 0..<n {
            let m = b * plane, dst = b * 5 * plane
            for ch in 0..<3 {
                let src = (b * 3 + ch) * plane
                for p in 0..<plane { out[dst + ch * plane + p] = image.scalars[src + p] * (1 - mask.scalars[m + p]) }
            }
            for p in 0..<plane { out[dst + 3 * plane + p] = mask.scalars[m + p] }
        }
        return Tensor(shape: [n, 5, h, w], scalars: out)
    }
}

/// DeepFill v2's SN-PatchGAN: `layers` spectrally normalised 5×5 stride-2 convolutions (ndf, 2·ndf, then 4·ndf
/// channels), LeakyReLU(0.2) after each but the last, over the image and its mask (4 channels). Every output element
/// is the score of one patch; the hinge loss averages them. Children `0`, `1`, ... of `model`.
public final class InpaintingDiscriminator: Module, @unchecked Sendable {
    /// The whole network.
    public let model: Sequential

    /// Builds the network with PyTorch's default initialisation and spectral-norm vectors drawn from `generator`.
    public init(ndf: Int, layers count: Int, using generator: inout SeededGenerator) {
        precondition(ndf >= 1 && count >= 1, "InpaintingDiscriminator: need ndf >= 1 and at least one layer")
        var layers: [Module] = []
        var channels = 4
        for k in 0..<count {
            let out = ndf * min(1 << k, 4)
            let conv = Conv2d(inChannels: channels, outChannels: out, kernelSize: 5, stride: 2, padding: 2, using: &generator)
            conv.applySpectralNorm(using: &generator)
            layers.append(conv)
            if k < count - 1 { layers.append(LeakyReLU(slope: 0.2)) }
            channels = out
        }
        model = Sequential(layers)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// Multiply-adds of one forward pass at `size` x `size`.
    public static func multiplyAdds(ndf: Int, layers: Int, size: Int) -> Double {
        var side = size, channels = 4, macs = 0.0
        for k in 0..<layers {
            let out = ndf * min(1 << k, 4)
            side = (side + 1) / 2
            macs += Double(side * side) * Double(channels * out * 25)
            channels = out
        }
        return macs
    }

    /// Maps [N, 4, H, W] (image and mask) to patch scores [N, C, H', W'].
    override public func forward(_ input: Variable) -> Variable { model(input) }
}
