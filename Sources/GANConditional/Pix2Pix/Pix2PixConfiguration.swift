import GANCore

/// What a pix2pix model maps: which pairs it was trained on. Recorded in checkpoints and model manifests.
public enum Pix2PixTask: String, Codable, Sendable, CaseIterable {
    /// Side-by-side A|B pairs from a folder (the way pix2pix datasets are stored).
    case pairs
    /// Grayscale (BT.601 luma, one channel) to colour.
    case colorize
    /// A Canny edge map (one channel, black lines on white) to the photo.
    case edges

    /// Channels of the input image for this task (pairs: 3).
    public var inputChannels: Int { self == .pairs ? 3 : 1 }
}

/// The shape of a pix2pix generator (junyanz `UnetGenerator`) and discriminator (PatchGAN `NLayerDiscriminator`
/// that sees input and output concatenated).
public struct Pix2PixConfiguration: Codable, Sendable, Equatable {
    /// Channels of the input image y (1 gray or edges, 3 colour).
    public var inputChannels = 3
    /// Channels of the generated image x.
    public var outputChannels = 3
    /// Filters of the generator's first level (64 in pix2pix).
    public var ngf = 64
    /// Filters of the discriminator's first convolution (64 in pix2pix).
    public var ndf = 64
    /// Stride-2 levels of the U-Net: the input side must be a multiple of 2^depth (6 for 64 px, 7 for 128, 8 for 256).
    public var depth = 8
    /// Strided convolutions of the PatchGAN (3: 70×70 receptive field).
    public var discriminatorLayers = 3
    /// Normalisation of both networks. Instance norm (the default here) behaves the same in training and inference
    /// with batch size 1; pix2pix's batch norm is available as `.batch` (running statistics at inference).
    public var norm = NormKind.instance
    /// Dropout(0.5) in the generator's inner 8·ngf levels (pix2pix's noise source); off at inference.
    public var useDropout = true
    /// Side of the square training crops (a multiple of 2^depth).
    public var imageSize = 256

    /// Creates a configuration; every field defaults to pix2pix's `unet_256` with instance norm.
    public init(inputChannels: Int = 3, outputChannels: Int = 3, ngf: Int = 64, ndf: Int = 64, depth: Int = 8,
                discriminatorLayers: Int = 3, norm: NormKind = .instance, useDropout: Bool = true, imageSize: Int = 256) {
        (self.inputChannels, self.outputChannels, self.ngf, self.ndf) = (inputChannels, outputChannels, ngf, ndf)
        (self.depth, self.discriminatorLayers, self.norm, self.useDropout, self.imageSize) = (depth, discriminatorLayers, norm, useDropout, imageSize)
    }

    /// The U-Net depth for a training size: log2(size), between 5 and 8 (64 px: 6, 128: 7, 256: 8).
    public static func depth(forImageSize size: Int) -> Int {
        var depth = 0
        while (1 << (depth + 1)) <= size { depth += 1 }
        return min(max(depth, 5), 8)
    }

    /// Input sides are padded to a multiple of this at inference: 2^depth.
    public var multiple: Int { 1 << depth }

    /// Why the configuration cannot build networks, or nil.
    public var problem: String? {
        if ![1, 3].contains(inputChannels) || ![1, 3].contains(outputChannels) { return "channels must be 1 or 3" }
        if !(1...512).contains(ngf) || !(1...512).contains(ndf) { return "ngf and ndf must be 1...512" }
        if !(5...9).contains(depth) { return "depth must be 5...9, got \(depth)" }
        if !(1...5).contains(discriminatorLayers) { return "discriminator layers must be 1...5" }
        if imageSize <= 0 || imageSize % multiple != 0 { return "image size \(imageSize) must be a positive multiple of 2^depth = \(multiple)" }
        if imageSize >> discriminatorLayers < 4 { return "image size \(imageSize) is too small for a \(discriminatorLayers)-layer PatchGAN" }
        return nil
    }

    /// The GANCore network options of the generator.
    public var generatorOptions: NetworkOptions {
        NetworkOptions(inputChannels: inputChannels, outputChannels: outputChannels, ngf: ngf, ndf: ndf, norm: norm,
                       useDropout: useDropout, unetDowns: depth, discriminatorLayers: discriminatorLayers)
    }

    /// The GANCore network options of the discriminator (it sees input and output concatenated).
    public var discriminatorOptions: NetworkOptions {
        NetworkOptions(inputChannels: inputChannels + outputChannels, outputChannels: 1, ngf: ngf, ndf: ndf, norm: norm,
                       unetDowns: depth, discriminatorLayers: discriminatorLayers)
    }

    /// A short architecture name, e.g. `unet_256 ngf 64, patchgan n_layers 3, instance norm`.
    public var architecture: String {
        "unet_\(1 << depth) ngf \(ngf)\(useDropout ? " dropout" : ""), patchgan n_layers \(discriminatorLayers) ndf \(ndf), \(norm.rawValue) norm"
    }
}

/// How a pix2pix model is trained: adversarial loss (pix2pix's "vanilla" = non-saturating by default) weighted by
/// `ganWeight`, plus `l1Weight` (100) × L1 to the target; Adam 2e-4, betas (0.5, 0.999). `ganWeight` 0 trains the
/// U-Net with L1 alone (no discriminator update): the baseline the issue asks for.
public struct Pix2PixOptions: Codable, Sendable, Equatable {
    /// The adversarial loss.
    public var loss = ConditionalLoss.nonsaturating
    /// Weight of the adversarial term (0: L1 only).
    public var ganWeight: Float = 1
    /// Weight of the L1 term (λ = 100 in pix2pix).
    public var l1Weight: Float = 100
    /// Pairs per step (1 in pix2pix).
    public var batchSize = 1
    /// Adam learning rate of both networks.
    public var learningRate: Float = 2e-4
    /// Adam β1.
    public var beta1: Float = 0.5
    /// Adam β2.
    public var beta2: Float = 0.999
    /// Random jitter: resize to `imageSize · 286/256` and crop back at a random place, random horizontal flips.
    public var jitter = true
    /// Seeds the weights and, with the step number, every batch, crop, flip and dropout mask.
    public var seed: UInt64 = 0

    /// The defaults (pix2pix's).
    public init() {}

    /// Creates options; unspecified fields keep pix2pix's values.
    public init(loss: ConditionalLoss = .nonsaturating, ganWeight: Float = 1, l1Weight: Float = 100, batchSize: Int = 1,
                learningRate: Float = 2e-4, beta1: Float = 0.5, beta2: Float = 0.999, jitter: Bool = true, seed: UInt64 = 0) {
        (self.loss, self.ganWeight, self.l1Weight, self.batchSize) = (loss, ganWeight, l1Weight, batchSize)
        (self.learningRate, self.beta1, self.beta2, self.jitter, self.seed) = (learningRate, beta1, beta2, jitter, seed)
    }

    /// Whether the adversarial term is off (the L1-only baseline).
    public var isL1Only: Bool { ganWeight == 0 }

    /// Why the options cannot train, or nil.
    public var problem: String? {
        if batchSize < 1 { return "batch size must be positive" }
        if !(ganWeight >= 0) || !(l1Weight >= 0) || ganWeight + l1Weight == 0 { return "weights must be >= 0, not both 0" }
        if !(learningRate > 0) { return "learning rate must be positive" }
        return nil
    }
}

/// The losses of one pix2pix step (junyanz's names: G_GAN, G_L1, D_real, D_fake; the GAN ones 0 when L1 only).
public struct Pix2PixLosses: Codable, Sendable, Equatable {
    /// The step these belong to (1 for the first).
    public var step: Int
    /// Adversarial loss of the generator (unweighted).
    public var generatorGAN: Float
    /// Mean absolute error between G(y) and x, in [-1, 1] units (unweighted).
    public var generatorL1: Float
    /// The discriminator's loss on real pairs.
    public var discriminatorReal: Float
    /// The discriminator's loss on generated pairs.
    public var discriminatorFake: Float

    /// Column names, in `values` order.
    public static let names = ["G_GAN", "G_L1", "D_real", "D_fake"]
    /// The four losses in `names` order.
    public var values: [Float] { [generatorGAN, generatorL1, discriminatorReal, discriminatorFake] }
    /// Whether every loss is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}
