// The networks of U-GAT-IT (Kim et al. 2020, "U-GAT-IT: Unsupervised Generative Attentional Networks with Adaptive
// Layer-Instance Normalization"), light version, layer for layer as znxlwm/UGATIT-pytorch's networks.py, so that
// parameter names are its state_dict keys (DownBlock.1.weight, gap_fc.weight, UpBlock1_1.norm1.rho, ...):
//   UGATITGenerator      encoder, class activation map (CAM), γ/β MLP, AdaLIN residual blocks, ILN decoder
//   UGATITDiscriminator  spectrally normalised PatchGAN with a CAM before its last convolution
// One deliberate difference: layer-instance norms use the biased variance of each plane and each sample (the paper's
// definition and the TensorFlow code's); the PyTorch code's `torch.var(torch.var(x, 2), 3)` is a variance of
// variances. tools/make_ugatit_fixture.py checks both networks against a PyTorch model written this way.

import GANCore

/// U-GAT-IT's class activation map (`gap_fc`, `gmp_fc`, `conv1x1`): an auxiliary classifier reads the global average
/// and the global max of the features through one weight vector each; the features, scaled channel by channel by
/// both vectors, are concatenated and mixed back to C channels by a 1×1 convolution and an activation. The
/// classifier's two logits are what the CAM losses train; the scaling is the attention the paper is named for.
struct ClassActivationMap {
    /// Linear C → 1 on the global average (no bias).
    let averageClassifier: Linear
    /// Linear C → 1 on the global max (no bias).
    let maxClassifier: Linear
    /// 1×1 convolution 2C → C (with bias).
    let mixing: Conv2d
    /// Slope of the activation after the mixing: 0 (ReLU) in the generator, 0.2 in the discriminator.
    let slope: Float

    init(channels c: Int, slope: Float, spectralNorm: Bool, using rng: inout SeededGenerator) {
        averageClassifier = Linear(inFeatures: c, outFeatures: 1, bias: false, using: &rng)
        maxClassifier = Linear(inFeatures: c, outFeatures: 1, bias: false, using: &rng)
        mixing = Conv2d(inChannels: 2 * c, outChannels: c, kernelSize: 1, using: &rng)
        if spectralNorm {
            averageClassifier.applySpectralNorm(using: &rng)
            maxClassifier.applySpectralNorm(using: &rng)
        }
        self.slope = slope
    }

    /// The named layers, as children of the network.
    var children: [(name: String, module: Module)] { [("gap_fc", averageClassifier), ("gmp_fc", maxClassifier), ("conv1x1", mixing)] }

    /// features' = act(conv1x1([x·w_avg, x·w_max])); logits [N, 2, 1, 1] = [⟨avg(x), w_avg⟩, ⟨max(x), w_max⟩].
    func callAsFunction(_ x: Variable) -> (features: Variable, logits: Variable) {
        let n = x.shape[0], c = x.shape[1]
        var scaled: [Variable] = [], logits: [Variable] = []
        for (classifier, pooled) in [(averageClassifier, globalAveragePool(x)), (maxClassifier, globalMaxPool(x))] {
            let w = classifier.effectiveWeight()
            logits.append(reshape(classifier.forward(pooled, weight: w), to: [n, 1, 1, 1]))
            scaled.append(channelAffine(x, scale: repeatedRows(reshape(w, to: [c]), count: n), shift: Variable(.zeros([n, c]))))
        }
        let mixed = mixing(concatChannels(scaled))
        return (slope == 0 ? relu(mixed) : leakyReLU(mixed, slope: slope), concatChannels(logits))
    }
}

/// AdaLIN (`adaILN`): layer-instance normalisation mixed by the learned `rho` (init 0.9, kept in [0, 1]), then each
/// sample's own scale γ and shift β [N, C], computed from its features by the generator.
final class AdaptiveLayerInstanceNorm: Module, @unchecked Sendable {
    /// The mix [1, C, 1, 1] (1: instance norm, 0: layer norm).
    let rho: Variable

    init(channels: Int) { rho = .parameter(Tensor(shape: [1, channels, 1, 1], repeating: 0.9)) }

    override var ownParameters: [(name: String, parameter: Variable)] { [("rho", rho)] }

    /// y = γ·LIN_ρ(x) + β, γ and β [N, C].
    func callAsFunction(_ x: Variable, gamma: Variable, beta: Variable) -> Variable {
        channelAffine(layerInstanceNorm(x, rho: reshape(rho, to: [x.shape[1]])), scale: gamma, shift: beta)
    }

    override func forward(_ input: Variable) -> Variable { preconditionFailure("AdaptiveLayerInstanceNorm: call with gamma and beta") }
}

/// ILN: layer-instance normalisation with learned `rho` (init 0), `gamma` (1) and `beta` (0), each [1, C, 1, 1].
final class LayerInstanceNorm: Module, @unchecked Sendable {
    let rho, gamma, beta: Variable

    init(channels c: Int) {
        rho = .parameter(Tensor(shape: [1, c, 1, 1], repeating: 0))
        gamma = .parameter(Tensor(shape: [1, c, 1, 1], repeating: 1))
        beta = .parameter(Tensor(shape: [1, c, 1, 1], repeating: 0))
    }

    override var ownParameters: [(name: String, parameter: Variable)] { [("rho", rho), ("gamma", gamma), ("beta", beta)] }

    override func forward(_ x: Variable) -> Variable {
        let (n, c) = (x.shape[0], x.shape[1])
        return channelAffine(layerInstanceNorm(x, rho: reshape(rho, to: [c])), scale: repeatedRows(reshape(gamma, to: [c]), count: n),
                             shift: repeatedRows(reshape(beta, to: [c]), count: n))
    }
}

/// `ResnetAdaILNBlock`: x + AdaLIN(conv(ReLU(AdaLIN(conv(x))))), reflect-padded 3×3 convolutions without bias.
final class AdaptiveResnetBlock: Module, @unchecked Sendable {
    let conv1, conv2: Conv2d
    let norm1, norm2: AdaptiveLayerInstanceNorm

    init(channels c: Int, using rng: inout SeededGenerator) {
        conv1 = Conv2d(inChannels: c, outChannels: c, kernelSize: 3, bias: false, using: &rng)
        norm1 = AdaptiveLayerInstanceNorm(channels: c)
        conv2 = Conv2d(inChannels: c, outChannels: c, kernelSize: 3, bias: false, using: &rng)
        norm2 = AdaptiveLayerInstanceNorm(channels: c)
    }

    override var children: [(name: String, module: Module)] { [("conv1", conv1), ("norm1", norm1), ("conv2", conv2), ("norm2", norm2)] }

    func callAsFunction(_ x: Variable, gamma: Variable, beta: Variable) -> Variable {
        let h = relu(norm1(conv1(reflectionPad2d(x, 1)), gamma: gamma, beta: beta))
        return x + norm2(conv2(reflectionPad2d(h, 1)), gamma: gamma, beta: beta)
    }

    override func forward(_ input: Variable) -> Variable { preconditionFailure("AdaptiveResnetBlock: call with gamma and beta") }
}

/// U-GAT-IT's generator (light: γ and β come from the globally averaged features): c7s1-ngf, two stride-2
/// convolutions, `blocks` residual blocks at 4·ngf (instance norm), the CAM, an MLP to γ and β, `blocks` AdaLIN
/// residual blocks, two nearest-upsampling 3×3 convolutions with ILN, c7s1-3, tanh. Sides divisible by 4 come back
/// unchanged.
public final class UGATITGenerator: Module, @unchecked Sendable {
    let downBlock: Sequential
    let attention: ClassActivationMap
    let mlp: Sequential
    let gammaLayer, betaLayer: Linear
    let adaptiveBlocks: [AdaptiveResnetBlock]
    let upBlock: Sequential

    /// Builds the generator with PyTorch's default initialisation drawn from `rng`.
    public init(ngf: Int, blocks: Int, using rng: inout SeededGenerator) {
        var down: [Module] = [Pad2d.reflection(3), Conv2d(inChannels: 3, outChannels: ngf, kernelSize: 7, bias: false, using: &rng),
                              InstanceNorm2d(channels: ngf), ReLU()]
        for mult in [1, 2] {
            down += [Pad2d.reflection(1), Conv2d(inChannels: ngf * mult, outChannels: ngf * mult * 2, kernelSize: 3, stride: 2, bias: false, using: &rng),
                     InstanceNorm2d(channels: ngf * mult * 2), ReLU()]
        }
        let c = 4 * ngf
        for _ in 0..<blocks { down.append(ResnetBlock(channels: c, norm: .instance, useBias: false, using: &rng)) }
        downBlock = Sequential(down)
        attention = ClassActivationMap(channels: c, slope: 0, spectralNorm: false, using: &rng)
        mlp = Sequential([Linear(inFeatures: c, outFeatures: c, bias: false, using: &rng), ReLU(),
                          Linear(inFeatures: c, outFeatures: c, bias: false, using: &rng), ReLU()])
        gammaLayer = Linear(inFeatures: c, outFeatures: c, bias: false, using: &rng)
        betaLayer = Linear(inFeatures: c, outFeatures: c, bias: false, using: &rng)
        adaptiveBlocks = (0..<blocks).map { _ in AdaptiveResnetBlock(channels: c, using: &rng) }
        var up: [Module] = []
        for mult in [4, 2] {
            up += [Upsample(scale: 2, mode: .nearest), Pad2d.reflection(1),
                   Conv2d(inChannels: ngf * mult, outChannels: ngf * mult / 2, kernelSize: 3, bias: false, using: &rng),
                   LayerInstanceNorm(channels: ngf * mult / 2), ReLU()]
        }
        up += [Pad2d.reflection(3), Conv2d(inChannels: ngf, outChannels: 3, kernelSize: 7, bias: false, using: &rng), Tanh()]
        upBlock = Sequential(up)
    }

    /// Child modules with their PyTorch names.
    override public var children: [(name: String, module: Module)] {
        [("DownBlock", downBlock)] + attention.children + [("FC", mlp), ("gamma", gammaLayer), ("beta", betaLayer)]
            + adaptiveBlocks.enumerated().map { ("UpBlock1_\($0.offset + 1)", $0.element) } + [("UpBlock2", upBlock)]
    }

    /// The translated batch [N, 3, H, W] and the CAM logits [N, 2, 1, 1] (whether the input looks like the
    /// generator's source domain).
    public func translate(_ input: Variable) -> (image: Variable, camLogits: Variable) {
        let (features, logits) = attention(downBlock(input))
        let style = mlp(globalAveragePool(features))
        let (gamma, beta) = (gammaLayer(style), betaLayer(style))
        let decoded = adaptiveBlocks.reduce(features) { x, block in block(x, gamma: gamma, beta: beta) }
        return (upBlock(decoded), logits)
    }

    /// The translated batch.
    override public func forward(_ input: Variable) -> Variable { translate(input).image }

    /// Clamps every `rho` to [0, 1] (U-GAT-IT's `RhoClipper`, after each optimizer step).
    public func clampMixes() {
        for (name, p) in namedParameters() where name.hasSuffix(".rho") {
            for i in p.value.scalars.indices { p.value.scalars[i] = min(max(p.value.scalars[i], 0), 1) }
        }
    }
}

/// U-GAT-IT's discriminator with `layers` levels (7: the global one, 5: the local one): reflect-padded 4×4
/// spectrally normalised convolutions with LeakyReLU(0.2), `layers` − 2 of them stride 2 and one stride 1 (doubling
/// the channels each time), the CAM (spectrally normalised classifiers), and a stride-1 4×4 convolution to one logit
/// map.
public final class UGATITDiscriminator: Module, @unchecked Sendable {
    let model: Sequential
    let attention: ClassActivationMap
    let head: Conv2d

    /// Builds the discriminator with PyTorch's default initialisation and spectral-norm vectors drawn from `rng`.
    public init(ndf: Int, layers: Int, using rng: inout SeededGenerator) {
        precondition(layers >= 3, "UGATITDiscriminator: layers must be at least 3")
        func level(_ inC: Int, _ outC: Int, stride: Int) -> [Module] {
            let conv = Conv2d(inChannels: inC, outChannels: outC, kernelSize: 4, stride: stride, using: &rng)
            conv.applySpectralNorm(using: &rng)
            return [Pad2d.reflection(1), conv, LeakyReLU(slope: 0.2)]
        }
        var body = level(3, ndf, stride: 2)
        for i in 1..<(layers - 2) { body += level(ndf << (i - 1), ndf << i, stride: 2) }
        body += level(ndf << (layers - 3), ndf << (layers - 2), stride: 1)
        model = Sequential(body)
        let c = ndf << (layers - 2)
        attention = ClassActivationMap(channels: c, slope: 0.2, spectralNorm: true, using: &rng)
        head = Conv2d(inChannels: c, outChannels: 1, kernelSize: 4, bias: false, using: &rng)
        head.applySpectralNorm(using: &rng)
    }

    /// Child modules with their PyTorch names (`pad` has no parameters).
    override public var children: [(name: String, module: Module)] { [("model", model)] + attention.children + [("conv", head)] }

    /// The patch logits [N, 1, h, w] and the CAM logits [N, 2, 1, 1].
    public func judge(_ input: Variable) -> (patches: Variable, camLogits: Variable) {
        let (features, logits) = attention(model(input))
        return (head(reflectionPad2d(features, 1)), logits)
    }

    /// The patch logits.
    override public func forward(_ input: Variable) -> Variable { judge(input).patches }
}
