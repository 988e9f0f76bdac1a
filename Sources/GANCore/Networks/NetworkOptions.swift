// Options of the reference networks in Blocks.swift, named after the command-line options of
// junyanz/pytorch-CycleGAN-and-pix2pix (--norm, --no_dropout, --ngf, --ndf, --netG, --n_layers_D).

/// The normalisation layer a reference network uses (junyanz `get_norm_layer`).
public enum NormKind: String, Sendable, CaseIterable, Codable {
    /// `InstanceNorm2d(affine=False, track_running_stats=False)`: no parameters, no buffers (CycleGAN).
    case instance
    /// `BatchNorm2d(affine=True, track_running_stats=True)`: `weight`, `bias` and running statistics (pix2pix).
    case batch
    /// No normalisation: an `Identity` fills the slot, so parameter indices stay those of the other kinds.
    case none

    /// Whether convolutions followed by this norm carry a bias. As in junyanz's networks, only instance norm
    /// gets a bias (batch norm supplies its own shift; junyanz also leaves `none` without bias).
    public var convolutionsUseBias: Bool { self == .instance }

    /// A fresh normalisation layer for `channels` feature maps.
    public func makeLayer(channels: Int) -> Module {
        switch self {
        case .instance: return InstanceNorm2d(channels: channels, affine: false)
        case .batch: return BatchNorm2d(channels: channels, affine: true)
        case .none: return Identity()
        }
    }
}

/// How a `ResnetBlock` pads before each 3×3 convolution (junyanz `padding_type`).
public enum PaddingKind: String, Sendable, CaseIterable {
    /// `ReflectionPad2d(1)` before the convolution (the default).
    case reflect
    /// `ReplicationPad2d(1)` before the convolution.
    case replicate
    /// No padding layer; the convolution zero-pads by 1 itself (so the block has fewer children).
    case zero
}

/// Settings shared by the reference networks. Defaults are junyanz's defaults for CycleGAN
/// (`resnet_9blocks`, instance norm, no dropout, 64 filters).
public struct NetworkOptions: Sendable, Equatable {
    /// Channels of the input image (`--input_nc`).
    public var inputChannels: Int
    /// Channels of the generated image (`--output_nc`).
    public var outputChannels: Int
    /// Filters in the generator's first (and last) convolution (`--ngf`).
    public var ngf: Int
    /// Filters in the discriminator's first convolution (`--ndf`).
    public var ndf: Int
    /// The normalisation layer kind (`--norm`).
    public var norm: NormKind
    /// Padding of the residual blocks' convolutions.
    public var padding: PaddingKind
    /// Whether generators insert `Dropout(0.5)` (junyanz: on unless `--no_dropout`; pix2pix uses it).
    public var useDropout: Bool
    /// Seed of the first dropout layer; each further dropout layer uses the next seed.
    public var dropoutSeed: UInt64
    /// Residual blocks of a `ResnetGenerator` (9 for `resnet_9blocks`, 6 for `resnet_6blocks`).
    public var resnetBlocks: Int
    /// Downsamplings of a `UnetGenerator` (7 for `unet_128`, 8 for `unet_256`); at least 5.
    public var unetDowns: Int
    /// Strided convolutions of an `NLayerDiscriminator` (`--n_layers_D`, 3 for the 70×70 PatchGAN).
    public var discriminatorLayers: Int

    /// Creates options; every argument defaults to junyanz's default.
    public init(inputChannels: Int = 3, outputChannels: Int = 3, ngf: Int = 64, ndf: Int = 64,
                norm: NormKind = .instance, padding: PaddingKind = .reflect, useDropout: Bool = false,
                dropoutSeed: UInt64 = 0, resnetBlocks: Int = 9, unetDowns: Int = 8, discriminatorLayers: Int = 3) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.ngf = ngf
        self.ndf = ndf
        self.norm = norm
        self.padding = padding
        self.useDropout = useDropout
        self.dropoutSeed = dropoutSeed
        self.resnetBlocks = resnetBlocks
        self.unetDowns = unetDowns
        self.discriminatorLayers = discriminatorLayers
    }

    /// CycleGAN's generator: `resnet_9blocks`, instance norm, no dropout.
    public static let cycleGAN = NetworkOptions()

    /// pix2pix's generator and discriminator: `unet_256`, batch norm, dropout.
    public static let pix2pix = NetworkOptions(norm: .batch, useDropout: true, unetDowns: 8)
}
