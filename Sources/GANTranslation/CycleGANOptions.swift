import GANCore

/// What a translation run trains: CycleGAN's two generators with cycle losses, CUT's single A → B
/// generator with the PatchNCE loss (Park et al. 2020), with identity NCE on B (`.cut`) or without it and
/// with flip equivariance (`.fastCUT`), or U-GAT-IT's attentional generators and discriminators (`.ugatit`).
public enum TranslationMethod: String, Sendable, Equatable, CaseIterable, Codable {
    /// CycleGAN (Zhu et al. 2017): G_A, G_B, D_A, D_B.
    case cycleGAN = "cyclegan"
    /// CUT: G_A, D_A and the PatchNCE heads F; NCE on A → B and identity NCE on B → B.
    case cut
    /// FastCUT: as `.cut` without identity NCE, with a random horizontal flip of the input (flip equivariance).
    case fastCUT = "fastcut"
    /// U-GAT-IT (Kim et al. 2020), light: CycleGAN's two directions with class-activation-map attention and AdaLIN in
    /// the generators, a global and a local discriminator per domain, each with its own CAM.
    case ugatit

    /// Whether the model translates both ways (CycleGAN and U-GAT-IT do).
    public var isBidirectional: Bool { self == .cycleGAN || self == .ugatit }

    /// Whether the model learns with PatchNCE (CUT, FastCUT).
    public var usesPatchNCE: Bool { self == .cut || self == .fastCUT }
}

/// Epochs that replace a resumed run's own schedule (nil keeps the checkpoint's value): a run lengthened, or brought
/// to its end sooner by starting the learning-rate decay now. Checkpoints written after the change keep the new schedule.
public struct ScheduleChange: Sendable, Equatable {
    /// Epochs at the base learning rate, counted from the start of the run.
    public var constantEpochs: Int?
    /// Epochs of linear decay to zero after them.
    public var decayEpochs: Int?

    /// A change of either count, or of neither (the default).
    public init(constantEpochs: Int? = nil, decayEpochs: Int? = nil) {
        (self.constantEpochs, self.decayEpochs) = (constantEpochs, decayEpochs)
    }

    /// `options` with the counts given here.
    public func applied(to options: CycleGANOptions) -> CycleGANOptions {
        var changed = options
        changed.constantEpochs = constantEpochs ?? options.constantEpochs
        changed.decayEpochs = decayEpochs ?? options.decayEpochs
        return changed
    }
}

/// The settings of a CycleGAN: networks, objective, loss weights, optimizer and schedule.
/// Defaults are junyanz's `train.py --model cycle_gan` defaults.
public struct CycleGANOptions: Sendable, Equatable, Codable {
    /// Filters in the generators' first convolution (`--ngf`).
    public var ngf = 64
    /// Residual blocks in each generator (9 for `resnet_9blocks`, 6 for `resnet_6blocks`).
    public var resnetBlocks = 9
    /// Filters in the discriminators' first convolution (`--ndf`).
    public var ndf = 64
    /// Strided convolutions of the PatchGAN discriminators (`--n_layers_D`).
    public var discriminatorLayers = 3
    /// Normalisation of generators and discriminators (`--norm`).
    public var norm: NormKind = .instance
    /// Adversarial objective (`--gan_mode`): `.lsgan`, or `.nonsaturating` for junyanz's "vanilla".
    public var objective: GANObjective = .lsgan
    /// CycleGAN: discriminators per domain, one per scale (pix2pixHD's multi-scale D): the PatchGAN on the image, and
    /// with 2 or 3 a copy of it on the image average-pooled to 1/2 (and 1/4), whose patches see the whole animal at
    /// 128 px. 1 is CycleGAN's single PatchGAN.
    public var discriminatorScales = 1
    /// Weight of both cycle losses (`--lambda_A`, `--lambda_B`).
    public var lambdaCycle: Float = 10
    /// Weight of the identity loss relative to the cycle weight (`--lambda_identity`); 0 turns it off.
    public var lambdaIdentity: Float = 0.5
    /// Images kept by each history pool (`--pool_size`); 0 disables the pools.
    public var poolSize = 50
    /// Adam's base learning rate (`--lr`).
    public var learningRate: Float = 2e-4
    /// Adam's beta1 (`--beta1`).
    public var beta1: Float = 0.5
    /// Epochs at the base learning rate (`--n_epochs`).
    public var constantEpochs = 100
    /// Epochs of linear decay to zero after them (`--n_epochs_decay`).
    public var decayEpochs = 100
    /// CycleGAN, CUT or FastCUT. The NCE settings below apply to CUT and FastCUT only.
    public var method = TranslationMethod.cycleGAN
    /// Weight of the PatchNCE loss (`--lambda_NCE`: 1 for CUT, 10 for FastCUT).
    public var lambdaNCE: Float = 1
    /// Generator layers whose features the PatchNCE loss compares (indices into `ResnetGenerator.model`, see
    /// `ResnetGenerator.features`); nil: `defaultNCELayers`.
    public var nceLayers: [Int]?
    /// Locations sampled per layer and image (`--num_patches`).
    public var ncePatches = 256
    /// Width of each layer's two-layer MLP head (`--netF_nc`).
    public var nceUnits = 256
    /// Temperature of the PatchNCE logits (`--nce_T`).
    public var nceTemperature: Float = 0.07
    /// U-GAT-IT: weight of the generators' CAM loss (`--cam_weight`, 1000).
    public var lambdaCAM: Float = 1000
    /// Pairs per step (CycleGAN only; 1 as junyanz's default): a step takes the next `batchSize` items of the epoch's
    /// order, and an epoch ends when fewer than that are left. A data-parallel run splits each step's pairs over its
    /// ranks.
    public var batchSize = 1

    /// Creates the junyanz defaults; change fields as needed.
    public init() {}

    /// CUT's settings (`--CUT_mode CUT`: λ_NCE 1, identity NCE) or FastCUT's (`--CUT_mode FastCUT`: λ_NCE 10, flip
    /// equivariance), over junyanz's CycleGAN defaults for everything else.
    public static func cut(fast: Bool = false) -> CycleGANOptions {
        var o = CycleGANOptions()
        o.method = fast ? .fastCUT : .cut
        o.lambdaNCE = fast ? 10 : 1
        return o
    }

    /// U-GAT-IT's settings (`--light True`): learning rate 1e-4, cycle weight 10, identity weight 10 (1 times the cycle
    /// weight), CAM weight 1000, no image pools, over junyanz's CycleGAN defaults for everything else.
    public static func ugatit() -> CycleGANOptions {
        var o = CycleGANOptions()
        (o.method, o.learningRate, o.lambdaIdentity, o.poolSize) = (.ugatit, 1e-4, 1, 0)
        return o
    }

    /// The layers PatchNCE reads: `nceLayers`, else CUT's 0, 4, 8, 12, 16 of its antialiased generator mapped onto
    /// this plain one: the padded input (0), both stride-2 convolutions (4, 7), and residual blocks 1 and 5 (10, 14),
    /// leaving out blocks the generator does not have.
    public var patchNCELayers: [Int] {
        nceLayers ?? [0, 4, 7, 10, 14].filter { $0 < 10 + resnetBlocks }
    }

    /// The generators' network options (3 channels in and out, reflect padding, no dropout).
    public var generatorOptions: NetworkOptions {
        NetworkOptions(ngf: ngf, ndf: ndf, norm: norm, resnetBlocks: resnetBlocks, discriminatorLayers: discriminatorLayers)
    }

    /// The discriminators' network options.
    public var discriminatorOptions: NetworkOptions { generatorOptions }

    /// The learning-rate schedule (constant, then linear decay; LambdaLR semantics, epochs counted from 0).
    public var schedule: LearningRateSchedule {
        .linearDecay(constantEpochs: constantEpochs, decayEpochs: decayEpochs, epochCount: 1)
    }

    private enum CodingKeys: String, CodingKey {
        case ngf, resnetBlocks, ndf, discriminatorLayers, norm, objective, lambdaCycle, lambdaIdentity, poolSize
        case learningRate, beta1, constantEpochs, decayEpochs
        case method, lambdaNCE, nceLayers, ncePatches, nceUnits, nceTemperature, discriminatorScales, lambdaCAM, batchSize
    }

    /// Decodes options written by `encode(to:)`; absent keys keep their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        ngf = try value(.ngf, ngf)
        resnetBlocks = try value(.resnetBlocks, resnetBlocks)
        ndf = try value(.ndf, ndf)
        discriminatorLayers = try value(.discriminatorLayers, discriminatorLayers)
        let normName = try value(.norm, norm.rawValue)
        guard let parsedNorm = NormKind(rawValue: normName) else {
            throw DecodingError.dataCorruptedError(forKey: .norm, in: c, debugDescription: "unknown norm '\(normName)'")
        }
        norm = parsedNorm
        let objectiveName = try value(.objective, objective.rawValue)
        guard let parsedObjective = GANObjective(rawValue: objectiveName == "vanilla" ? "nonsaturating" : objectiveName) else {
            throw DecodingError.dataCorruptedError(forKey: .objective, in: c, debugDescription: "unknown objective '\(objectiveName)'")
        }
        objective = parsedObjective
        lambdaCycle = try value(.lambdaCycle, lambdaCycle)
        lambdaIdentity = try value(.lambdaIdentity, lambdaIdentity)
        poolSize = try value(.poolSize, poolSize)
        learningRate = try value(.learningRate, learningRate)
        beta1 = try value(.beta1, beta1)
        constantEpochs = try value(.constantEpochs, constantEpochs)
        decayEpochs = try value(.decayEpochs, decayEpochs)
        let methodName = try value(.method, method.rawValue)
        guard let parsedMethod = TranslationMethod(rawValue: methodName) else {
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "unknown method '\(methodName)'")
        }
        method = parsedMethod
        lambdaNCE = try value(.lambdaNCE, lambdaNCE)
        nceLayers = try c.decodeIfPresent([Int].self, forKey: .nceLayers)
        ncePatches = try value(.ncePatches, ncePatches)
        nceUnits = try value(.nceUnits, nceUnits)
        nceTemperature = try value(.nceTemperature, nceTemperature)
        discriminatorScales = try value(.discriminatorScales, discriminatorScales)
        lambdaCAM = try value(.lambdaCAM, lambdaCAM)
        batchSize = try value(.batchSize, batchSize)
        if let problem {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    /// A problem with the values (a width, depth or weight out of its usable range), or `nil` when
    /// they are usable. Decoding refuses options with a problem, so a damaged or hostile manifest is
    /// refused before any network is built from it.
    public var problem: String? {
        func outside(_ name: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
            range.contains(value) ? nil : "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)"
        }
        if let p = outside("ngf", ngf, 1...1024) ?? outside("ndf", ndf, 1...1024) ?? outside("resnetBlocks", resnetBlocks, 0...64)
            ?? outside("discriminatorLayers", discriminatorLayers, 1...8) ?? outside("poolSize", poolSize, 0...100_000)
            ?? outside("constantEpochs", constantEpochs, 0...1_000_000) ?? outside("decayEpochs", decayEpochs, 0...1_000_000)
            ?? outside("ncePatches", ncePatches, 1...65_536) ?? outside("nceUnits", nceUnits, 1...4096)
            ?? outside("discriminatorScales", discriminatorScales, 1...3) { return p }
        if let p = outside("batchSize", batchSize, 1...4096) { return p }
        if batchSize > 1 && method != .cycleGAN { return "batchSize above 1 is for CycleGAN only" }
        if discriminatorScales > 1 && method != .cycleGAN { return "discriminatorScales above 1 is for CycleGAN only" }
        if method.usesPatchNCE {
            let layers = patchNCELayers, top = 10 + resnetBlocks
            if layers.isEmpty || !zip(layers, layers.dropFirst()).allSatisfy({ $0 < $1 }) || layers.first! < 0 || layers.last! >= top {
                return "nceLayers must increase and lie in 0..<\(top) (the encoder: layers before the first upsampling), got \(layers)"
            }
            if !nceTemperature.isFinite || nceTemperature <= 0 { return "nceTemperature must be positive, got \(nceTemperature)" }
        }
        for (name, v) in [("lambdaCycle", lambdaCycle), ("lambdaIdentity", lambdaIdentity), ("learningRate", learningRate), ("beta1", beta1),
                          ("lambdaNCE", lambdaNCE), ("lambdaCAM", lambdaCAM)]
        where !v.isFinite || v < 0 {
            return "\(name) must be finite and not negative, got \(v)"
        }
        return nil
    }

    /// Encodes every field; enums as their raw names. The method is written for CUT, FastCUT and U-GAT-IT, the NCE
    /// settings for CUT and FastCUT, λ_CAM for U-GAT-IT only, the batch size when above 1, so CycleGAN manifests and checkpoints read as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ngf, forKey: .ngf)
        try c.encode(resnetBlocks, forKey: .resnetBlocks)
        try c.encode(ndf, forKey: .ndf)
        try c.encode(discriminatorLayers, forKey: .discriminatorLayers)
        try c.encode(norm.rawValue, forKey: .norm)
        try c.encode(objective.rawValue, forKey: .objective)
        try c.encode(lambdaCycle, forKey: .lambdaCycle)
        try c.encode(lambdaIdentity, forKey: .lambdaIdentity)
        try c.encode(poolSize, forKey: .poolSize)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(beta1, forKey: .beta1)
        try c.encode(constantEpochs, forKey: .constantEpochs)
        try c.encode(decayEpochs, forKey: .decayEpochs)
        if method != .cycleGAN { try c.encode(method.rawValue, forKey: .method) }
        if method == .ugatit { try c.encode(lambdaCAM, forKey: .lambdaCAM) }
        if batchSize != 1 { try c.encode(batchSize, forKey: .batchSize) }
        if method.usesPatchNCE {
            try c.encode(lambdaNCE, forKey: .lambdaNCE)
            try c.encodeIfPresent(nceLayers, forKey: .nceLayers)
            try c.encode(ncePatches, forKey: .ncePatches)
            try c.encode(nceUnits, forKey: .nceUnits)
            try c.encode(nceTemperature, forKey: .nceTemperature)
        }
        if discriminatorScales != 1 { try c.encode(discriminatorScales, forKey: .discriminatorScales) }
    }
}
