import Foundation
import GANCore
import GANImageIO
import GANTraining

/// How the inpainting GAN is trained (DeepFill v2's settings, Yu et al. 2019): the generator minimises
/// `l1Weight · mean(w ⊙ |G(x) − x|) + ganWeight · (−mean D(composite))` with w = `holeWeight` in the hole and
/// `validWeight` outside it, the discriminator the hinge loss (or `loss`); Adam 1e-4, betas (0.5, 0.999). `ganWeight` 0 trains
/// the generator by L1 alone (no discriminator update).
public struct InpaintingOptions: Codable, Sendable, Equatable {
    /// The adversarial loss (hinge, SN-PatchGAN's, by default).
    public var loss = GANObjective.hinge
    /// Weight of the adversarial generator term (0: L1 only).
    public var ganWeight: Float = 1
    /// Weight of the L1 term.
    public var l1Weight: Float = 1
    /// L1 weight of hole pixels, relative to `validWeight`.
    public var holeWeight: Float = 1
    /// L1 weight of known pixels (the raw output is penalised there too, as in DeepFill).
    public var validWeight: Float = 1
    /// Photos per step.
    public var batchSize = 4
    /// Adam learning rate of both networks.
    public var learningRate: Float = 1e-4
    /// Adam β1.
    public var beta1: Float = 0.5
    /// Adam β2.
    public var beta2: Float = 0.999
    /// Least hole fraction of the training masks.
    public var minHoleRatio = FreeFormMaskGenerator.trainingRange.lowerBound
    /// Largest hole fraction of the training masks.
    public var maxHoleRatio = FreeFormMaskGenerator.trainingRange.upperBound
    /// Random horizontal flips.
    public var flip = true
    /// Seeds the weights and, with the step number, every batch, crop, flip and mask.
    public var seed: UInt64 = 0

    /// The defaults (DeepFill v2's losses and optimiser, batch 4 for CPU).
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case loss, ganWeight, l1Weight, holeWeight, validWeight, batchSize, learningRate, beta1, beta2, minHoleRatio, maxHoleRatio, flip, seed
    }

    /// Decodes options; a field absent from an older checkpoint (`loss`) keeps its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        loss = try value(.loss, loss)
        (ganWeight, l1Weight) = (try value(.ganWeight, ganWeight), try value(.l1Weight, l1Weight))
        (holeWeight, validWeight) = (try value(.holeWeight, holeWeight), try value(.validWeight, validWeight))
        (batchSize, learningRate) = (try value(.batchSize, batchSize), try value(.learningRate, learningRate))
        (beta1, beta2) = (try value(.beta1, beta1), try value(.beta2, beta2))
        (minHoleRatio, maxHoleRatio) = (try value(.minHoleRatio, minHoleRatio), try value(.maxHoleRatio, maxHoleRatio))
        (flip, seed) = (try value(.flip, flip), try value(.seed, seed))
    }

    /// Whether the adversarial term is off (the L1-only baseline).
    public var isL1Only: Bool { ganWeight == 0 }

    /// Why the options cannot train, or nil.
    public var problem: String? {
        if batchSize < 1 { return "batch size must be positive" }
        if !(ganWeight >= 0) || !(l1Weight >= 0) || ganWeight + l1Weight == 0 { return "weights must be >= 0, not both 0" }
        if !(holeWeight >= 0) || !(validWeight >= 0) || holeWeight + validWeight == 0 { return "hole and valid weights must be >= 0, not both 0" }
        if !(learningRate > 0) { return "learning rate must be positive" }
        if !(minHoleRatio > 0 && minHoleRatio <= maxHoleRatio && maxHoleRatio < 1) { return "hole ratios must satisfy 0 < min <= max < 1" }
        return nil
    }
}

/// The losses of one inpainting step (the GAN ones 0 when L1 only).
public struct InpaintingLosses: Codable, Sendable, Equatable {
    /// The step these belong to (1 for the first).
    public var step: Int
    /// The generator's hinge term, −mean D(composite) (unweighted).
    public var generatorGAN: Float
    /// Mean |G(x) − x| over hole samples, in [-1, 1] units.
    public var holeL1: Float
    /// Mean |G(x) − x| over known samples.
    public var validL1: Float
    /// The discriminator's hinge term on real images, mean relu(1 − D(x)).
    public var discriminatorReal: Float
    /// The discriminator's hinge term on composites, mean relu(1 + D(composite)).
    public var discriminatorFake: Float

    /// Column names, in `values` order.
    public static let names = ["G_GAN", "L1_hole", "L1_valid", "D_real", "D_fake"]
    /// The losses in `names` order.
    public var values: [Float] { [generatorGAN, holeL1, validL1, discriminatorReal, discriminatorFake] }
    /// Whether every loss is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}

/// Trains the inpainting generator against the SN-PatchGAN. Each step draws a batch of photos, a random crop and
/// flip of each, and one free-form mask per photo; D is updated on real images against detached composites
/// (hinge), then G through a frozen D on the composite `G(x)·m + x·(1 − m)` plus the weighted L1 of its raw output.
///
/// Every batch, crop, flip and mask comes from a generator seeded with (seed, step), so a trainer resumed from a
/// checkpoint (`resume(from:)`) continues bit for bit as if it had never stopped.
public final class InpaintingTrainer: @unchecked Sendable {
    /// The networks' shape.
    public let configuration: InpaintingConfiguration
    /// The training settings.
    public let options: InpaintingOptions
    /// G.
    public let generator: InpaintingGenerator
    /// D.
    public let discriminator: InpaintingDiscriminator
    let generatorOptimizer: Adam
    let discriminatorOptimizer: Adam
    /// One mask generator per hole-ratio band: `FreeFormMaskGenerator` stops adding shapes at its range's lower
    /// bound, so one generator over 5-60% would give masks of about 5%; a band drawn per mask spans the whole range.
    private let masks: [FreeFormMaskGenerator]
    /// Steps completed.
    public internal(set) var step = 0
    /// Seconds spent training, over every run of this checkpoint chain.
    public var trainingSeconds = 0.0
    /// The model whose generator weights this run started from ("name, N steps"), or nil for random weights: an
    /// L1-only run fine-tuned with the GAN loss, or a run continued with other options.
    public var initializedFrom: String?

    /// Starts from the generator weights of `model` instead of random ones (before the first step).
    /// - Throws: `TrainingFolderError.mismatch` when the model's generator has another width.
    public func initializeGenerator(from model: InpaintingModel) throws(TrainingFolderError) {
        guard step == 0 else { throw .mismatch(path: model.folder, detail: "a generator can only be initialised before the first step") }
        guard model.manifest.configuration.cnum == configuration.cnum else {
            throw .mismatch(path: model.folder, detail: "its generator has cnum \(model.manifest.configuration.cnum), this run \(configuration.cnum)")
        }
        do { try generator.load(model.generator.stateDict()) } catch { throw .mismatch(path: model.folder, detail: "\(error)") }
        initializedFrom = "\(model.manifest.name), \(model.manifest.trainingSteps) steps"
    }
    /// The losses of the last step.
    public internal(set) var lastLosses: InpaintingLosses?
    /// Steps (1 for the first) drawn again after they produced NaN or Inf, with how many times (saved in checkpoints).
    public internal(set) var redrawnSteps: [Int: Int] = [:]

    /// Fresh networks from `options.seed`.
    /// - Precondition: `configuration.problem` and `options.problem` are nil.
    public init(configuration: InpaintingConfiguration, options: InpaintingOptions) {
        precondition(configuration.problem == nil && options.problem == nil,
                     "InpaintingTrainer: \(configuration.problem ?? options.problem ?? "")")
        self.configuration = configuration
        self.options = options
        var random = SeededGenerator(seed: options.seed)
        generator = InpaintingGenerator(cnum: configuration.cnum, using: &random)
        discriminator = InpaintingDiscriminator(ndf: configuration.ndf, layers: configuration.discriminatorLayers, using: &random)
        generatorOptimizer = Adam(generator.parameters(), learningRate: options.learningRate, beta1: options.beta1, beta2: options.beta2)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: options.learningRate, beta1: options.beta1, beta2: options.beta2)
        let (low, high) = (options.minHoleRatio, options.maxHoleRatio)
        let bands = max(1, Int(((high - low) / 0.1).rounded(.up)))
        let width = (high - low) / Double(bands)
        masks = (0..<bands).map { k in
            let band = (low + Double(k) * width)...(k == bands - 1 ? high : low + Double(k + 1) * width)
            return (try? FreeFormMaskGenerator(width: configuration.imageSize, height: configuration.imageSize, holeRatio: band))
                ?? (try! FreeFormMaskGenerator(width: configuration.imageSize, height: configuration.imageSize, holeRatio: low...high))
        }
    }

    /// Makes step `step` (1 for the first) draw another batch the next time it runs (after a rollback).
    public func redraw(step: Int) { redrawnSteps[step, default: 0] += 1 }

    /// The first weight, buffer or optimizer moment holding NaN or Inf, or nil.
    public func nonFiniteState() -> String? { networks.firstNonFiniteState() }

    /// The free-form mask of `seed` at the training size, [1, 1, s, s]: the hole-ratio range is cut into bands about
    /// 10% wide (5-60%: six bands of 9.2%), `seed` picks one (seed mod bands), and the mask is drawn in it.
    /// - Throws: `InpaintingError.holeRatioUnreachable` (not for the ranges the options allow in practice).
    public func mask(seed: UInt64) throws(InpaintingError) -> Tensor {
        try masks[Int(seed % UInt64(masks.count))].mask(seed: seed).tensor
    }

    /// One step on the batch drawn for it from `data` (photos, crops, flips and masks from (seed, step)).
    /// - Throws: `InpaintingDataError.badImage` when a file of the batch cannot be read, or `InpaintingError`
    ///   when no mask was found (the step is not taken).
    @discardableResult
    public func trainStep(on data: InpaintingImageFolder) throws -> InpaintingLosses {
        precondition(data.count > 0, "InpaintingTrainer: no images")
        var random = stepRandom(step, seed: options.seed)
        let size = configuration.imageSize
        var images: [Float] = [], holes: [Float] = []
        let rows = DataParallel.localRows(of: options.batchSize)   // a data-parallel rank reads only its rows
        for row in 0..<options.batchSize {
            let index = Int(random.next() % UInt64(data.count))
            let cropSeed = random.next(), maskSeed = random.next()
            guard rows.contains(row) else { continue }
            var crop: SeededGenerator? = SeededGenerator(seed: cropSeed)
            let image = try data.crop(at: index, size: size, random: &crop, flips: options.flip)
            images += image.scalars
            holes += try mask(seed: maskSeed).scalars
        }
        let n = rows.count
        return trainStep(images: Tensor(shape: [n, 3, size, size], scalars: images), masks: Tensor(shape: [n, 1, size, size], scalars: holes))
    }

    /// `mask` [N, 1, H, W] repeated over three channels.
    static func threeChannels(_ mask: Tensor) -> Tensor {
        let (n, plane) = (mask.shape[0], mask.shape[2] * mask.shape[3])
        var out = [Float](repeating: 0, count: n * 3 * plane)
        for b in 0..<n { for c in 0..<3 { for p in 0..<plane { out[(b * 3 + c) * plane + p] = mask.scalars[b * plane + p] } } }
        return Tensor(shape: [n, 3, mask.shape[2], mask.shape[3]], scalars: out)
    }

    /// One step on a given batch: `images` [n, 3, s, s] in [-1, 1] and `masks` [n, 1, s, s] (1 = hole).
    @discardableResult
    public func trainStep(images: Tensor, masks: Tensor) -> InpaintingLosses {
        generator.train()
        discriminator.train()
        let m3 = Self.threeChannels(masks)
        let keep = m3.map { 1 - $0 }
        let real = Variable(images), mask = Variable(masks)
        let raw = generator(Variable(InpaintingGenerator.input(image: images, mask: masks)))
        let composite = raw * Variable(m3) + Variable(Tensor(shape: images.shape, scalars: zip(images.scalars, keep.scalars).map { $0 * $1 }))
        var dReal: Float = 0, dFake: Float = 0
        if !options.isL1Only {
            discriminatorOptimizer.zeroGrad()
            let realTerm = options.loss.discriminatorRealTerm(discriminator(concatChannels([real, mask])))
            let fakeTerm = options.loss.discriminatorFakeTerm(discriminator(concatChannels([Variable(composite.value), mask])))
            (realTerm + fakeTerm).backward()
            discriminatorOptimizer.step()
            (dReal, dFake) = (realTerm.value.scalar, fakeTerm.value.scalar)
        }
        generatorOptimizer.zeroGrad()
        let weights = Tensor(shape: m3.shape, scalars: m3.scalars.map { options.holeWeight * $0 + options.validWeight * (1 - $0) })
        let weighted = Variable(weights)
        let l1 = l1Loss(raw * weighted, Variable(Tensor(shape: images.shape, scalars: zip(images.scalars, weights.scalars).map { $0 * $1 })))
        var gan: Float = 0
        if options.isL1Only {
            (l1 * options.l1Weight).backward()
        } else {
            discriminator.setRequiresGrad(false)
            let ganLoss = options.loss.generatorLoss(fakeLogits: discriminator(concatChannels([composite, mask])))
            (ganLoss * options.ganWeight + l1 * options.l1Weight).backward()
            discriminator.setRequiresGrad(true)
            gan = ganLoss.value.scalar
        }
        generatorOptimizer.step()
        step += 1
        var holeSum = 0.0, holeCount = 0.0, validSum = 0.0, validCount = 0.0
        for i in 0..<images.count {
            let e = Double(abs(raw.value.scalars[i] - images.scalars[i]))
            if m3.scalars[i] > 0.5 { holeSum += e; holeCount += 1 } else { validSum += e; validCount += 1 }
        }
        let losses = InpaintingLosses(step: step, generatorGAN: gan, holeL1: Float(holeSum / max(holeCount, 1)),
                                      validL1: Float(validSum / max(validCount, 1)), discriminatorReal: dReal, discriminatorFake: dFake)
        lastLosses = losses
        return losses
    }

    /// The composite `G(x)·m + x·(1 − m)` for `images` [n, 3, s, s] and `masks` [n, 1, s, s] (sides multiples of 4),
    /// in evaluation mode, without gradients.
    public func inpaint(images: Tensor, masks: Tensor) -> Tensor {
        let wasTraining = generator.isTraining
        generator.eval()
        defer { generator.train(wasTraining) }
        let raw = withNoGrad { generator(Variable(InpaintingGenerator.input(image: images, mask: masks))) }.value
        return InpaintingModel.composite(raw, over: images, mask: masks)
    }
}

extension InpaintingTrainer {
    /// Writes a sample grid to each of `paths` (atomically): one row per image, masked input (hole white) | output
    /// composite | real, for the first `count` images of `data`, centre-cropped, with the masks of seeds 1, 2, ...
    /// - Throws: `TrainingFolderError`, `InpaintingError` or `ImageIOError`.
    public func writeSamples(of data: InpaintingImageFolder, count: Int = 4, to paths: [String]) throws {
        let size = configuration.imageSize
        var rows: [Tensor] = []
        for index in 0..<min(count, data.count) {
            var none: SeededGenerator? = nil
            let image = try data.crop(at: index, size: size, random: &none)
            let holes = try mask(seed: UInt64(index + 1))
            let m3 = Self.threeChannels(holes)
            let shown = Tensor(shape: image.shape, scalars: zip(image.scalars, m3.scalars).map { $1 > 0.5 ? 1 : $0 })
            rows += [shown, inpaint(images: image, masks: holes), image]
        }
        for path in paths {
            FileAccess.removeStaleTemporaryFiles(for: path)
            try SampleGrid.write(Tensor(shape: [rows.count, 3, size, size], scalars: rows.flatMap(\.scalars)), columns: 3, to: path)
        }
    }
}
