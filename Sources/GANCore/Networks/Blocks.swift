// The reference networks of junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py), layer for layer,
// so that their PyTorch state_dict keys are exactly our parameter and buffer names:
//   ResnetGenerator         model.1.weight, model.10.conv_block.1.weight, ...
//   UnetGenerator           model.model.0.weight, model.model.1.model.2.weight, ...
//   NLayerDiscriminator     model.0.weight, model.2.weight, ...
// Options (norm, padding, dropout, widths) are in NetworkOptions.swift; loading checkpoints in StateDictLoading.swift.

/// Appends the padding layer (if any) that `padding` puts before a 3×3 convolution and returns the
/// convolution's own zero padding.
private func appendPadding(_ padding: PaddingKind, to layers: inout [Module]) -> Int {
    switch padding {
    case .reflect: layers.append(Pad2d.reflection(1)); return 0
    case .replicate: layers.append(Pad2d.replication(1)); return 0
    case .zero: return 1
    }
}

/// A residual block: `x + conv_block(x)` with
/// `conv_block = [pad, conv3×3, norm, ReLU, (Dropout(0.5)), pad, conv3×3, norm]` (junyanz `ResnetBlock`).
/// Its only child is `conv_block`, so keys read `conv_block.1.weight`, `conv_block.5.weight`
/// (reflect/replicate padding, no dropout).
public final class ResnetBlock: Module, @unchecked Sendable {
    /// The residual branch.
    public let convBlock: Sequential

    /// Creates a block on `channels` feature maps.
    /// - Parameters:
    ///   - useBias: whether the convolutions carry a bias (junyanz: only with instance norm).
    ///   - dropoutSeed: seed of the dropout layer, used only when `useDropout`.
    public init(channels: Int, padding: PaddingKind = .reflect, norm: NormKind = .instance, useDropout: Bool = false,
                useBias: Bool? = nil, dropoutSeed: UInt64 = 0, using generator: inout SeededGenerator) {
        let bias = useBias ?? norm.convolutionsUseBias
        var layers: [Module] = []
        var p = appendPadding(padding, to: &layers)
        layers += [Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: p, bias: bias, using: &generator),
                   norm.makeLayer(channels: channels), ReLU()]
        if useDropout { layers.append(Dropout(probability: 0.5, seed: dropoutSeed)) }
        p = appendPadding(padding, to: &layers)
        layers += [Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: p, bias: bias, using: &generator),
                   norm.makeLayer(channels: channels)]
        convBlock = Sequential(layers)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("conv_block", convBlock)] }

    /// Returns `input + conv_block(input)`.
    override public func forward(_ input: Variable) -> Variable { input + convBlock(input) }
}

/// The ResNet-based generator of CycleGAN (junyanz `ResnetGenerator`): c7s1-ngf, two stride-2 downsamplings,
/// `resnetBlocks` residual blocks at 4·ngf channels, two transposed-convolution upsamplings, c7s1-output, tanh.
/// All layers sit in the child `model` (a `Sequential`), as in PyTorch.
public final class ResnetGenerator: Module, @unchecked Sendable {
    /// The whole network.
    public let model: Sequential

    /// Creates the generator from `options` (`inputChannels`, `outputChannels`, `ngf`, `norm`, `padding`,
    /// `useDropout`, `dropoutSeed`, `resnetBlocks`), with PyTorch's default layer initialisation drawn from `generator`.
    public init(options: NetworkOptions = .cycleGAN, using generator: inout SeededGenerator) {
        let ngf = options.ngf, norm = options.norm, bias = norm.convolutionsUseBias
        var layers: [Module] = [
            Pad2d.reflection(3),
            Conv2d(inChannels: options.inputChannels, outChannels: ngf, kernelSize: 7, bias: bias, using: &generator),
            norm.makeLayer(channels: ngf), ReLU(),
        ]
        let downsamplings = 2
        for i in 0..<downsamplings {
            let mult = 1 << i
            layers += [Conv2d(inChannels: ngf * mult, outChannels: ngf * mult * 2, kernelSize: 3, stride: 2, padding: 1,
                              bias: bias, using: &generator),
                       norm.makeLayer(channels: ngf * mult * 2), ReLU()]
        }
        let mult = 1 << downsamplings
        for i in 0..<options.resnetBlocks {
            layers.append(ResnetBlock(channels: ngf * mult, padding: options.padding, norm: norm, useDropout: options.useDropout,
                                      useBias: bias, dropoutSeed: options.dropoutSeed &+ UInt64(i), using: &generator))
        }
        for i in 0..<downsamplings {
            let mult = 1 << (downsamplings - i)
            layers += [ConvTranspose2d(inChannels: ngf * mult, outChannels: ngf * mult / 2, kernelSize: 3, stride: 2, padding: 1,
                                       outputPadding: 1, bias: bias, using: &generator),
                       norm.makeLayer(channels: ngf * mult / 2), ReLU()]
        }
        layers += [Pad2d.reflection(3),
                   Conv2d(inChannels: ngf, outChannels: options.outputChannels, kernelSize: 7, using: &generator),
                   Tanh()]
        model = Sequential(layers)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// Maps an image batch [N, inputChannels, H, W] to [N, outputChannels, H, W] in (-1, 1)
    /// (H and W divisible by 4 give the input size back).
    override public func forward(_ input: Variable) -> Variable { model(input) }

    /// The outputs of the layers of `model` at `layers` (indices into `model.layers`, increasing), running the
    /// network only as far as the last of them (CUT's `netG(x, layers, encode_only=True)`). Index 0 is the
    /// reflection-padded input, 4 and 7 the two stride-2 convolutions, 10 + k the k-th residual block (from 0).
    public func features(_ input: Variable, layers wanted: [Int]) -> [Variable] {
        precondition(zip(wanted, wanted.dropFirst()).allSatisfy { $0 < $1 } && (wanted.last ?? 0) < model.layers.count,
                     "ResnetGenerator.features: layers must increase and lie below \(model.layers.count), got \(wanted)")
        guard let last = wanted.last else { return [] }
        var x = input, i = 0, out: [Variable] = []
        while i <= last {
            (x, i) = model.step(x, at: i, keeping: wanted)  // the fused pairs of `Sequential`, unless a wanted layer splits one
            if wanted.contains(i - 1) { out.append(x) }
        }
        return out
    }
}

/// One level of the U-Net (junyanz `UnetSkipConnectionBlock`):
/// `x -> [x, up(submodule(down(x)))]` concatenated along channels, except the outermost level, which returns
/// `up(submodule(down(x)))` through a tanh. The layers sit in the child `model`; the submodule is one of them,
/// which gives the nested keys `model.1.model.3.weight`.
///
/// As in junyanz's code, the non-outermost levels start with an in-place `LeakyReLU(0.2, True)`, which also
/// overwrites `x` before the concatenation: the skip connection carries `leaky_relu(x)`, not `x`. We reproduce
/// that literally, although it cannot change results: the level above applies `ReLU` to the concatenation
/// first, and `relu(leaky_relu(x)) == relu(x)` with the same gradient (checked against the parity fixture).
public final class UnetSkipConnectionBlock: Module, @unchecked Sendable {
    /// Where a level sits in the U-Net.
    public enum Position: Sendable {
        /// The top level: no skip concatenation, tanh output, no norm.
        case outermost
        /// A level between the top and the bottom.
        case intermediate
        /// The bottom level: no submodule.
        case innermost
    }

    /// The layers of this level, the submodule among them.
    public let model: Sequential
    /// This level's position.
    public let position: Position

    /// Creates a level.
    /// - Parameters:
    ///   - outerChannels: channels this level returns to the level above (before the skip concatenation).
    ///   - innerChannels: channels handed to the submodule.
    ///   - inputChannels: channels of this level's input; `nil` means `outerChannels`.
    ///   - submodule: the next level down; required unless `position` is `.innermost`.
    ///   - useDropout: append `Dropout(0.5)` (used by junyanz for the intermediate 8·ngf levels only).
    public init(outerChannels: Int, innerChannels: Int, inputChannels: Int? = nil, submodule: UnetSkipConnectionBlock?,
                position: Position, norm: NormKind = .batch, useDropout: Bool = false, dropoutSeed: UInt64 = 0,
                using generator: inout SeededGenerator) {
        precondition((submodule == nil) == (position == .innermost),
                     "UnetSkipConnectionBlock: the innermost level has no submodule, every other level needs one")
        let bias = norm.convolutionsUseBias
        let downconv = Conv2d(inChannels: inputChannels ?? outerChannels, outChannels: innerChannels, kernelSize: 4,
                              stride: 2, padding: 1, bias: bias, using: &generator)
        var layers: [Module]
        switch position {
        case .outermost:
            let upconv = ConvTranspose2d(inChannels: innerChannels * 2, outChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1, using: &generator)
            layers = [downconv, submodule!, ReLU(), upconv, Tanh()]
        case .innermost:
            let upconv = ConvTranspose2d(inChannels: innerChannels, outChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1, bias: bias, using: &generator)
            layers = [LeakyReLU(slope: 0.2), downconv, ReLU(), upconv, norm.makeLayer(channels: outerChannels)]
        case .intermediate:
            let upconv = ConvTranspose2d(inChannels: innerChannels * 2, outChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1, bias: bias, using: &generator)
            layers = [LeakyReLU(slope: 0.2), downconv, norm.makeLayer(channels: innerChannels), submodule!,
                      ReLU(), upconv, norm.makeLayer(channels: outerChannels)]
            if useDropout { layers.append(Dropout(probability: 0.5, seed: dropoutSeed)) }
        }
        model = Sequential(layers)
        self.position = position
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// The outermost level returns `model(x)`; the others return `[a, rest(a)]` along channels, with
    /// `a = LeakyReLU(0.2)(x)` the first layer's output (junyanz's in-place skip, see the type's note).
    override public func forward(_ input: Variable) -> Variable {
        if position == .outermost { return model(input) }
        let activated = model.layers[0](input)
        let inner = model.layers.dropFirst().reduce(activated) { $1($0) }
        return concatChannels([activated, inner])
    }
}

/// The U-Net generator of pix2pix (junyanz `UnetGenerator`): `unetDowns` stride-2 levels, so an input of
/// 2^unetDowns pixels reaches 1×1 at the bottom (`unet_256`: 8, `unet_128`: 7). Its only child is `model`,
/// the outermost `UnetSkipConnectionBlock`, hence the keys `model.model.0.weight`.
public final class UnetGenerator: Module, @unchecked Sendable {
    /// The outermost level, which holds all others.
    public let model: UnetSkipConnectionBlock

    /// Creates the generator from `options` (`inputChannels`, `outputChannels`, `ngf`, `norm`, `useDropout`,
    /// `dropoutSeed`, `unetDowns` ≥ 5), with PyTorch's default layer initialisation drawn from `generator`.
    public init(options: NetworkOptions = .pix2pix, using generator: inout SeededGenerator) {
        precondition(options.unetDowns >= 5, "UnetGenerator: unetDowns must be at least 5, got \(options.unetDowns)")
        let ngf = options.ngf, norm = options.norm
        var block = UnetSkipConnectionBlock(outerChannels: ngf * 8, innerChannels: ngf * 8, submodule: nil,
                                            position: .innermost, norm: norm, using: &generator)
        for i in 0..<(options.unetDowns - 5) {
            block = UnetSkipConnectionBlock(outerChannels: ngf * 8, innerChannels: ngf * 8, submodule: block,
                                            position: .intermediate, norm: norm, useDropout: options.useDropout,
                                            dropoutSeed: options.dropoutSeed &+ UInt64(i), using: &generator)
        }
        block = UnetSkipConnectionBlock(outerChannels: ngf * 4, innerChannels: ngf * 8, submodule: block,
                                        position: .intermediate, norm: norm, using: &generator)
        block = UnetSkipConnectionBlock(outerChannels: ngf * 2, innerChannels: ngf * 4, submodule: block,
                                        position: .intermediate, norm: norm, using: &generator)
        block = UnetSkipConnectionBlock(outerChannels: ngf, innerChannels: ngf * 2, submodule: block,
                                        position: .intermediate, norm: norm, using: &generator)
        model = UnetSkipConnectionBlock(outerChannels: options.outputChannels, innerChannels: ngf,
                                        inputChannels: options.inputChannels, submodule: block, position: .outermost,
                                        norm: norm, using: &generator)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// Maps [N, inputChannels, H, W] to [N, outputChannels, H, W] in (-1, 1); H and W must be divisible by 2^unetDowns.
    override public func forward(_ input: Variable) -> Variable { model(input) }
}

/// The PatchGAN discriminator (junyanz `NLayerDiscriminator`): conv4s2 + LeakyReLU(0.2), then
/// `discriminatorLayers - 1` blocks of conv4s2 + norm + LeakyReLU, one conv4s1 + norm + LeakyReLU, and a
/// conv4s1 to one channel of logits. All layers sit in the child `model`.
public final class NLayerDiscriminator: Module, @unchecked Sendable {
    /// The whole network.
    public let model: Sequential

    /// Creates the discriminator from `options` (`inputChannels`, `ndf`, `norm`, `discriminatorLayers`);
    /// pix2pix feeds it input and output concatenated, so pass their channel sum as `inputChannels`.
    public init(options: NetworkOptions = NetworkOptions(), using generator: inout SeededGenerator) {
        let ndf = options.ndf, norm = options.norm, bias = norm.convolutionsUseBias
        var layers: [Module] = [
            Conv2d(inChannels: options.inputChannels, outChannels: ndf, kernelSize: 4, stride: 2, padding: 1, using: &generator),
            LeakyReLU(slope: 0.2),
        ]
        var mult = 1
        for n in 1..<max(options.discriminatorLayers, 1) {
            let previous = mult
            mult = min(1 << n, 8)
            layers += [Conv2d(inChannels: ndf * previous, outChannels: ndf * mult, kernelSize: 4, stride: 2, padding: 1,
                              bias: bias, using: &generator),
                       norm.makeLayer(channels: ndf * mult), LeakyReLU(slope: 0.2)]
        }
        let previous = mult
        mult = min(1 << options.discriminatorLayers, 8)
        layers += [Conv2d(inChannels: ndf * previous, outChannels: ndf * mult, kernelSize: 4, stride: 1, padding: 1,
                          bias: bias, using: &generator),
                   norm.makeLayer(channels: ndf * mult), LeakyReLU(slope: 0.2),
                   Conv2d(inChannels: ndf * mult, outChannels: 1, kernelSize: 4, stride: 1, padding: 1, using: &generator)]
        model = Sequential(layers)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] { [("model", model)] }

    /// Maps [N, inputChannels, H, W] to a map of patch logits [N, 1, H', W'].
    override public func forward(_ input: Variable) -> Variable { model(input) }
}
