import GANCore
import GANImageIO

/// CUT's `PatchSampleF` (`netF`, `--netF mlp_sample`): one two-layer MLP head (Linear, ReLU, Linear, `nceUnits`
/// wide) per PatchNCE layer, named `mlp_<k>.0` and `mlp_<k>.2` as in PyTorch; outputs are L2-normalised rows.
public final class PatchSampleF: Module, @unchecked Sendable {
    /// The heads, one per PatchNCE layer.
    public let heads: [Sequential]

    /// Heads for features of `channels` (one entry per layer), initialised as CUT's `init_net(netF, 'normal', 0.02)`:
    /// weights N(0, 0.02²), biases 0.
    public init(channels: [Int], units: Int, using generator: inout SeededGenerator) {
        heads = channels.map { c in
            Sequential([Linear(inFeatures: c, outFeatures: units, using: &generator), ReLU(),
                        Linear(inFeatures: units, outFeatures: units, using: &generator)])
        }
        super.init()
        initializeWeights(.normal, gain: 0.02, using: &generator)
    }

    /// Child modules with their PyTorch names (`mlp_0`, `mlp_1`, …).
    override public var children: [(name: String, module: Module)] {
        heads.enumerated().map { ("mlp_\($0.offset)", $0.element) }
    }

    /// The normalised head outputs [N·P, units] of `features` [N, C, H, W] of layer `layer` at `locations`.
    public func sample(_ features: Variable, layer: Int, locations: [Int]) -> Variable {
        normalizeRows(heads[layer](gatherLocations(features, locations: locations)))
    }

    /// Not used: the heads take sampled rows, see `sample(_:layer:locations:)`.
    override public func forward(_ input: Variable) -> Variable {
        preconditionFailure("PatchSampleF: call sample(_:layer:locations:)")
    }
}

/// The losses of one CUT training step, named as CUT prints them.
public struct CUTLosses: Sendable, Equatable, Codable, TranslationStepLosses {
    /// G's adversarial loss: D on G(real A).
    public var generator: Float
    /// D's loss (real B against G(real A), detached), halved.
    public var discriminator: Float
    /// PatchNCE between real A and G(real A), times λ_NCE, averaged over the layers.
    public var nce: Float
    /// Identity PatchNCE between real B and G(real B) (CUT only; 0 for FastCUT).
    public var nceIdentity: Float

    /// Column names for logs, in field order: G_GAN, D, NCE, NCE_Y.
    public static let names = ["G_GAN", "D", "NCE", "NCE_Y"]
    /// The values in `names` order.
    public var values: [Float] { [generator, discriminator, nce, nceIdentity] }
}

/// The tensors of one CUT step's forward pass, kept for sample grids.
public struct CUTVisuals: Sendable {
    /// The A image G translated (flipped when FastCUT drew a flip) and G's output.
    public var realA, fakeB: Tensor
    /// real B and G(real B) (CUT only).
    public var realB, identityB: Tensor?
}

/// CUT and FastCUT (Park et al. 2020) as taesungp/contrastive-unpaired-translation's `models/cut_model.py` trains
/// them: one `ResnetGenerator` G_A: A → B, one PatchGAN D_A judging B, and the PatchNCE heads F. Each step updates
/// D first (real B against G(A), detached, halved), then G and F together with D frozen:
/// GAN(D(G(A))) + λ_NCE·PatchNCE(A, G(A)), where for CUT the NCE term is the mean of PatchNCE(A, G(A)) and
/// PatchNCE(B, G(B)). PatchNCE runs A (or B) and G's output back through G's encoder, samples `ncePatches`
/// locations per layer, maps them through F and scores each output location against the input's at the same
/// place (positive) and at the other sampled places of the same image (negatives); the input's side is a
/// constant (CUT detaches it). Patch locations and FastCUT's flips come from `sampler`, saved in checkpoints.
/// One Adam optimises G and F (the same updates as CUT's two Adams with equal settings), another D.
public final class CUTModel: @unchecked Sendable {
    /// The settings the model was built with (`method` is `.cut` or `.fastCUT`).
    public let options: CycleGANOptions
    /// A → B generator.
    public let generator: ResnetGenerator
    /// Discriminator of domain B.
    public let discriminator: NLayerDiscriminator
    /// The PatchNCE heads.
    public let heads: PatchSampleF
    /// Optimizer of G and F together.
    public let generatorOptimizer: Adam
    /// Optimizer of D.
    public let discriminatorOptimizer: Adam
    /// Draws the patch locations and FastCUT's flips.
    public var sampler: CheckpointableGenerator

    /// Builds G and D as CycleGANModel builds G_A and D_A from `seed`, F with N(0, 0.02²) weights, both optimizers,
    /// and the sampler.
    public init(options: CycleGANOptions = .cut(), seed: UInt64 = 0) {
        precondition(options.method.usesPatchNCE, "CUTModel: options.method must be .cut or .fastCUT")
        precondition(options.problem == nil, "CUTModel: \(options.problem ?? "")")
        self.options = options
        var rng = SeededGenerator(seed: seed)
        generator = ResnetGenerator(options: options.generatorOptions, using: &rng)
        discriminator = NLayerDiscriminator(options: options.discriminatorOptions, using: &rng)
        heads = PatchSampleF(channels: options.patchNCELayers.map { Self.channels(layer: $0, options: options) },
                             units: options.nceUnits, using: &rng)
        generatorOptimizer = Adam(generator.parameters() + heads.parameters(), learningRate: options.learningRate, beta1: options.beta1)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: options.learningRate, beta1: options.beta1)
        sampler = CheckpointableGenerator(seed: seed, 3, 0)
    }

    /// Channels of the generator's output at `layer` (see `ResnetGenerator.features`).
    static func channels(layer: Int, options: CycleGANOptions) -> Int {
        switch layer {
        case 0: 3
        case 1...3: options.ngf
        case 4...6: 2 * options.ngf
        default: 4 * options.ngf
        }
    }

    /// The networks by the names their weight files carry: G_A, D_A, F.
    public var networks: [(name: String, module: Module)] { [("G_A", generator), ("D_A", discriminator), ("F", heads)] }

    /// One optimisation step on a batch of each domain ([N, 3, H, W] in [-1, 1], H and W multiples of 4), as CUT's
    /// `optimize_parameters`: forward; D's step; then G's and F's step with D frozen.
    @discardableResult
    public func trainStep(realA: Tensor, realB: Tensor) -> CUTLosses { trainStepWithVisuals(realA: realA, realB: realB).losses }

    /// `trainStep` that also returns the forward pass's images.
    public func trainStepWithVisuals(realA a: Tensor, realB b: Tensor) -> (losses: CUTLosses, visuals: CUTVisuals) {
        let identity = options.method == .cut
        let flipped = options.method == .fastCUT && sampler.nextUniform() < 0.5
        let inputA = flipped ? Self.flipWidth(a) : a, inputB = flipped ? Self.flipWidth(b) : b
        let fakeB = generator(Variable(inputA))
        let identityB = identity ? generator(Variable(inputB)) : nil

        // D: real B against the detached fake.
        discriminatorOptimizer.zeroGrad()
        let lossD = options.objective.discriminatorLoss(realLogits: discriminator(Variable(b)), fakeLogits: discriminator(Variable(fakeB.value)))
        let lossDHalved = options.objective == .lsgan ? lossD : lossD * 0.5
        lossDHalved.backward()
        discriminatorOptimizer.step()

        // G and F, D frozen.
        discriminator.setRequiresGrad(false)
        generatorOptimizer.zeroGrad()
        let adversarial = options.objective.generatorLoss(fakeLogits: discriminator(fakeB))
        let nce = patchNCE(source: a, output: fakeB, flipped: flipped)
        var lossG = adversarial
        var nceIdentity: Float = 0
        if let identityB {
            let nceY = patchNCE(source: b, output: identityB, flipped: flipped)
            nceIdentity = nceY.value.scalar
            lossG = lossG + (nce + nceY) * 0.5
        } else {
            lossG = lossG + nce
        }
        lossG.backward()
        generatorOptimizer.step()
        discriminator.setRequiresGrad(true)

        let losses = CUTLosses(generator: adversarial.value.scalar, discriminator: lossDHalved.value.scalar,
                               nce: nce.value.scalar, nceIdentity: nceIdentity)
        return (losses, CUTVisuals(realA: inputA, fakeB: fakeB.value, realB: identity ? inputB : nil, identityB: identityB?.value))
    }

    /// CUT's `calculate_NCE_loss(src, tgt)`: λ_NCE times PatchNCE per layer, averaged over the layers. The source's
    /// features and head outputs are constants (keys); the output's (queries) carry gradients to G and F. With
    /// `flipped`, the output came from the mirrored source, so its features are read at mirrored locations
    /// (CUT flips `feat_q` back).
    func patchNCE(source: Tensor, output: Variable, flipped: Bool) -> Variable {
        let layers = options.patchNCELayers
        let sourceFeatures = withNoGrad { generator.features(Variable(source), layers: layers).map(\.value) }
        let outputFeatures = generator.features(output, layers: layers)
        var total: Variable?
        for k in layers.indices {
            let (height, width) = (sourceFeatures[k].shape[2], sourceFeatures[k].shape[3])
            let locations = Self.sampleLocations(count: min(options.ncePatches, height * width), of: height * width, using: &sampler)
            let mirrored = flipped ? locations.map { ($0 / width) * width + (width - 1 - $0 % width) } : locations
            let keys = withNoGrad { heads.sample(Variable(sourceFeatures[k]), layer: k, locations: locations).value }
            let query = heads.sample(outputFeatures[k], layer: k, locations: mirrored)
            let loss = patchNCELoss(query: query, keys: keys, batch: source.shape[0], temperature: options.nceTemperature) * options.lambdaNCE
            total = total.map { $0 + loss } ?? loss
        }
        return total! * (1 / Float(layers.count))
    }

    /// The first `count` entries of a uniformly random permutation of 0..<n (`torch.randperm(n)[:count]`).
    static func sampleLocations(count: Int, of n: Int, using rng: inout CheckpointableGenerator) -> [Int] {
        var order = Array(0..<n)
        for i in 0..<count {
            let j = i + Int(rng.next() % UInt64(n - i))
            order.swapAt(i, j)
        }
        return Array(order.prefix(count))
    }

    /// The batch [N, C, H, W] mirrored left to right (`torch.flip(x, [3])`).
    static func flipWidth(_ x: Tensor) -> Tensor {
        let width = x.shape[3], rows = x.count / width
        var out = x.scalars
        for r in 0..<rows { for c in 0..<width { out[r * width + c] = x.scalars[r * width + width - 1 - c] } }
        return Tensor(shape: x.shape, scalars: out)
    }
}
