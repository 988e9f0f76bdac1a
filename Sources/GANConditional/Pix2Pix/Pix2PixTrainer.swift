import Foundation
import GANImageIO
import GANCore
import GANTraining

/// Trains a pix2pix U-Net generator G(y) against a PatchGAN D(y, x) (Isola et al. 2017): each step updates D on
/// (y, x) real pairs against (y, G(y)) detached fakes, then G through a frozen D with
/// `ganWeight · L_GAN + l1Weight · |G(y) − x|₁`. With `ganWeight` 0, only G is updated, by L1.
///
/// Every batch, crop, flip and dropout mask comes from a generator seeded with (seed, step), so a trainer resumed
/// from a checkpoint (`resume(from:)`) continues bit for bit as if it had never stopped.
public final class Pix2PixTrainer: @unchecked Sendable {
    /// The networks' shape.
    public let configuration: Pix2PixConfiguration
    /// The training settings.
    public let options: Pix2PixOptions
    /// G: the U-Net.
    public let generator: UnetGenerator
    /// D: the PatchGAN over input and output concatenated.
    public let discriminator: NLayerDiscriminator
    let generatorOptimizer: Adam
    let discriminatorOptimizer: Adam
    private let dropouts: [Dropout]
    /// Steps completed.
    public internal(set) var step = 0
    /// Seconds spent training, over every run of this checkpoint chain.
    public var trainingSeconds = 0.0
    /// Starts from the generator weights of `model` instead of random ones (before the first step).
    /// - Throws: `TrainingFolderError.mismatch` when the model's U-Net has another shape than this trainer's.
    public func initializeGenerator(from model: Pix2PixModel) throws(TrainingFolderError) {
        guard step == 0 else { throw .mismatch(path: model.folder, detail: "a generator can only be initialised before the first step") }
        guard model.manifest.configuration.generatorOptions == configuration.generatorOptions else {
            throw .mismatch(path: model.folder, detail: "its U-Net (\(model.manifest.architecture)) differs from this run's (\(configuration.architecture))")
        }
        do { try generator.load(model.generator.stateDict()) } catch { throw .mismatch(path: model.folder, detail: "\(error)") }
        initializedFrom = "\(model.manifest.name), \(model.manifest.trainingSteps) steps"
    }

    /// The model whose generator weights this run started from ("name, N steps"), when it did not start from
    /// random weights (`initializeGenerator(from:)`): a GAN fine-tune of an L1-trained U-Net, as DeOldify's NoGAN.
    public var initializedFrom: String?
    /// The losses of the last step.
    public internal(set) var lastLosses: Pix2PixLosses?
    /// Steps (1 for the first) drawn again after they produced NaN or Inf, with how many times (saved in checkpoints).
    public internal(set) var redrawnSteps: [Int: Int] = [:]

    /// Fresh networks from `options.seed`.
    /// - Precondition: `configuration.problem` and `options.problem` are nil.
    public init(configuration: Pix2PixConfiguration, options: Pix2PixOptions) {
        precondition(configuration.problem == nil && options.problem == nil,
                     "Pix2PixTrainer: \(configuration.problem ?? options.problem ?? "")")
        self.configuration = configuration
        self.options = options
        var random = SeededGenerator(seed: options.seed)
        generator = UnetGenerator(options: configuration.generatorOptions, using: &random)
        discriminator = NLayerDiscriminator(options: configuration.discriminatorOptions, using: &random)
        generatorOptimizer = Adam(generator.parameters(), learningRate: options.learningRate, beta1: options.beta1, beta2: options.beta2)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: options.learningRate, beta1: options.beta1, beta2: options.beta2)
        dropouts = Self.dropoutLayers(generator)
    }

    /// Every `Dropout` below `module`, depth first.
    static func dropoutLayers(_ module: Module) -> [Dropout] {
        (module as? Dropout).map { [$0] } ?? module.children.flatMap { dropoutLayers($0.module) }
    }

    /// Makes step `step` (1 for the first) draw another batch the next time it runs (after a rollback).
    public func redraw(step: Int) { redrawnSteps[step, default: 0] += 1 }

    /// The first weight, buffer or optimizer moment holding NaN or Inf, or nil.
    public func nonFiniteState() -> String? { networks.firstNonFiniteState() }

    /// The discriminator's real and fake terms under `objective`; their sum is `objective.discriminatorLoss`.
    static func discriminatorTerms(_ objective: GANObjective, real: Variable, fake: Variable) -> (Variable, Variable) {
        switch objective {
        case .minimax, .nonsaturating: (bceWithLogitsLoss(real, 1), bceWithLogitsLoss(fake, 0))
        case .lsgan: (mseLoss(real, 1) * 0.5, mseLoss(fake, 0) * 0.5)
        case .hinge: (mean(relu(1 - real)), mean(relu(1 + fake)))
        }
    }

    /// One step on the batch drawn for it from `data` (indices, crops and flips from (seed, step)).
    /// - Throws: `PairedDataError` when a file of the batch cannot be read (the step is not taken).
    @discardableResult
    public func trainStep(on data: PairedImageFolder) throws(PairedDataError) -> Pix2PixLosses {
        precondition(data.count > 0, "Pix2PixTrainer: no pairs")
        var random = stepRandom(step, seed: options.seed)
        let indices = (0..<options.batchSize).map { _ in Int(random.next() % UInt64(data.count)) }
        // A data-parallel rank draws (and reads) the whole batch, so that crops and flips are the same, and keeps its rows.
        let (wholeInput, wholeTarget) = try data.batch(at: indices, size: configuration.imageSize, jitter: options.jitter, random: &random)
        let (input, target) = (wholeInput.localBatch, wholeTarget.localBatch)
        guard input.shape[1] == configuration.inputChannels, target.shape[1] == configuration.outputChannels else {
            throw .invalid("pairs of \(input.shape[1]) → \(target.shape[1]) channels do not fit a \(configuration.inputChannels) → \(configuration.outputChannels) model")
        }
        for (k, layer) in dropouts.enumerated() { layer.reseed(random.next() ^ UInt64(k)) }
        return trainStep(input: input, target: target)
    }

    /// One step on a given batch: input y [n, inputChannels, s, s] and target x [n, outputChannels, s, s] in [-1, 1].
    @discardableResult
    public func trainStep(input: Tensor, target: Tensor) -> Pix2PixLosses {
        generator.train()
        discriminator.train()
        let y = Variable(input), x = Variable(target)
        let objective = options.loss.objective
        let fake = generator(y)
        var dReal: Float = 0, dFake: Float = 0
        if !options.isL1Only {
            discriminatorOptimizer.zeroGrad()
            let (realTerm, fakeTerm) = Self.discriminatorTerms(objective, real: discriminator(concatChannels([y, x])),
                                                               fake: discriminator(concatChannels([y, Variable(fake.value)])))
            (realTerm + fakeTerm).backward()
            discriminatorOptimizer.step()
            (dReal, dFake) = (realTerm.value.scalar, fakeTerm.value.scalar)
        }
        generatorOptimizer.zeroGrad()
        let l1 = l1Loss(fake, x)
        var gan: Float = 0
        if options.isL1Only {
            (l1 * options.l1Weight).backward()
        } else {
            discriminator.setRequiresGrad(false)
            let ganLoss = objective.generatorLoss(fakeLogits: discriminator(concatChannels([y, fake])))
            (ganLoss * options.ganWeight + l1 * options.l1Weight).backward()
            discriminator.setRequiresGrad(true)
            gan = ganLoss.value.scalar
        }
        generatorOptimizer.step()
        step += 1
        let losses = Pix2PixLosses(step: step, generatorGAN: gan, generatorL1: l1.value.scalar, discriminatorReal: dReal, discriminatorFake: dFake)
        lastLosses = losses
        return losses
    }

    /// G's output for `input` [n, C, s, s] in evaluation mode (no dropout), without gradients.
    public func translate(_ input: Tensor) -> Tensor {
        let wasTraining = generator.isTraining
        generator.eval()
        defer { generator.train(wasTraining) }
        return withNoGrad { generator(Variable(input)) }.value
    }
}

extension Pix2PixTrainer {
    /// Writes a sample grid to each of `paths` (atomically): one row per pair, input | output | target, for the first
    /// `count` pairs of `data` without jitter (gray inputs shown as gray RGB).
    /// - Throws: `PairedDataError` or `ImageIOError`.
    public func writeSamples(of data: PairedImageFolder, count: Int = 4, to paths: [String]) throws {
        let size = configuration.imageSize
        var values: [Float] = [], images = 0
        var random = SeededGenerator(seed: 0)
        func rgb(_ t: Tensor) -> [Float] { t.shape[1] == 3 ? t.scalars : t.scalars + t.scalars + t.scalars }
        for index in 0..<min(count, data.count) {
            let (input, target) = try data.pair(at: index, size: size, jitter: false, random: &random)
            values += rgb(input) + rgb(translate(input)) + rgb(target)
            images += 3
        }
        let grid = Tensor(shape: [images, 3, size, size], scalars: values)
        for path in paths {
            FileAccess.removeStaleTemporaryFiles(for: path)
            try SampleGrid.write(grid, columns: 3, to: path)
        }
    }
}
