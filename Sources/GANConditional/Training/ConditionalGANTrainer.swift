import GANCore
import GANTraining

/// Trains a `LabelConditionalGenerator` against a `ConditionalDiscriminator` with `options.loss` (hinge by default).
/// With the AC-GAN head, both networks also minimise the class cross-entropy of the images they see
/// (D: real and generated, G: generated), weighted by `options.classLossWeight`. With `options.averageDecay`,
/// an exponential moving average of the generator is kept next to it and sampled from. With
/// `options.diversityWeight`, G's batch comes in pairs of latents that share a label and a hinge pushes each pair
/// apart (see `ConditionalTrainingOptions.diversityWeight`). With `options.consistencyWeight`, D also learns to score
/// an image and its shifted copy alike (`ConditionalTrainingOptions.consistencyWeight`).
///
/// Each step draws its batch indices, latents and fake labels from a generator seeded with
/// (options.seed, step), so the run is reproducible and a trainer resumed from a checkpoint
/// (`resume(from:)`) continues bit for bit as if it had never stopped.
public final class ConditionalGANTrainer {
    /// The networks' shape.
    public let configuration: ConditionalGANConfiguration
    /// The training settings (`enableAverage(decay:)` may add a generator average to a resumed run).
    public private(set) var options: ConditionalTrainingOptions
    /// G(z, y).
    public let generator: LabelConditionalGenerator
    /// D(x, y).
    public let discriminator: ConditionalDiscriminator
    /// The moving average of `generator`'s weights, when `options.averageDecay` is set: the network to sample from.
    public private(set) var averageGenerator: LabelConditionalGenerator?
    private var average: WeightAverage?
    let generatorOptimizer: Adam
    let discriminatorOptimizer: Adam
    /// Steps completed.
    public internal(set) var step = 0
    /// The generator's learning rate the last step trained with (the base rate times the decay factor).
    public var learningRate: Float { generatorOptimizer.learningRate }
    /// Wall-clock seconds spent training, over every run joined by resume (the training run keeps it up to date).
    public var trainingSeconds = 0.0
    /// The losses of the last step.
    public internal(set) var lastLosses: ConditionalStepLosses?
    /// Steps (1 for the first) whose batch, latents and labels were drawn again after they produced NaN or Inf,
    /// with how many times (see `redraw(step:)`; saved in checkpoints).
    public internal(set) var redrawnSteps: [Int: Int] = [:]

    /// Creates fresh networks from `options.seed`.
    /// - Precondition: `configuration.problem` and `options.problem` are nil.
    public init(configuration: ConditionalGANConfiguration, options: ConditionalTrainingOptions) {
        precondition(configuration.problem == nil && options.problem == nil,
                     "ConditionalGANTrainer: \(configuration.problem ?? options.problem.map(\.description) ?? "")")
        self.configuration = configuration
        self.options = options
        var random = SeededGenerator(seed: options.seed)
        generator = LabelConditionalGenerator(configuration: configuration, using: &random)
        discriminator = ConditionalDiscriminator(configuration: configuration, using: &random)
        generatorOptimizer = Adam(generator.parameters(), learningRate: options.generatorLearningRate,
                                  beta1: options.beta1, beta2: options.beta2)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: options.discriminatorLearningRate,
                                      beta1: options.beta1, beta2: options.beta2)
        if let decay = options.averageDecay { enableAverage(decay: decay) }
    }

    /// Sets (or, with a nil weight, removes) the diversity term (`ConditionalTrainingOptions.diversityWeight` and
    /// `diversityQuantile`); a resumed run may take one.
    public func setDiversity(weight: Float?, quantile: Float? = nil) {
        precondition(weight.map { $0 >= 0 && $0.isFinite } ?? true, "ConditionalGANTrainer: diversity weight must be >= 0")
        precondition(quantile.map { $0 > 0 && $0 < 1 } ?? true, "ConditionalGANTrainer: diversity quantile must be in (0, 1)")
        (options.diversityWeight, options.diversityQuantile) = (weight, quantile)
    }

    /// Sets the discriminator steps per generator step (n_dis); a resumed run may take other ones.
    public func setDiscriminatorSteps(_ steps: Int) {
        precondition(steps > 0, "ConditionalGANTrainer: discriminator steps must be positive")
        options.discriminatorSteps = steps
    }

    /// Sets (or, with nil, removes) consistency regularization (`ConditionalTrainingOptions.consistencyWeight`); a
    /// resumed run may take it.
    public func setConsistency(weight: Float?) {
        precondition(weight.map { $0 >= 0 && $0.isFinite } ?? true, "ConditionalGANTrainer: consistency weight must be >= 0")
        options.consistencyWeight = weight
    }

    /// Sets (or, with nil, removes) top-k training (`ConditionalTrainingOptions.generatorTopFraction`); a resumed run
    /// may take it.
    public func setGeneratorTopFraction(_ fraction: Float?) {
        precondition(fraction.map { $0 > 0 && $0 <= 1 } ?? true, "ConditionalGANTrainer: the top fraction must be in (0, 1]")
        options.generatorTopFraction = fraction
    }

    /// The rows of `logits` [N, 1] with the highest values, max(1, round(fraction · N)) of them in their order, as
    /// [k, 1]: a product with a constant 0/1 selection matrix, so the gradient reaches exactly the kept rows.
    static func topRows(_ logits: Variable, fraction: Float) -> Variable {
        let n = logits.shape[0], k = min(n, max(1, Int((fraction * Float(n)).rounded())))
        let scores = logits.value.scalars
        let kept = highestIndices(scores, count: k)
        var selection = [Float](repeating: 0, count: k * n)
        for (row, i) in kept.enumerated() { selection[row * n + i] = 1 }
        return linear(Variable(Tensor(shape: [k, n], scalars: selection)), weight: reshape(logits, to: [1, n]))
    }

    /// τ per class of the diversity term, for each dataset and target it was asked for (keyed by the dataset's count
    /// and class count and the quantile).
    private var diversityTargets: [String: [Float]] = [:]

    /// Sets (or, with nil, removes) a linear learning-rate decay from step `start` to zero at step `end`; a resumed
    /// run may take one. Steps already taken are not affected.
    public func setLearningRateDecay(start: Int?, end: Int?) {
        (options.decayStartStep, options.decayEndStep) = (start, end)
    }

    /// Starts a moving average of the generator (θ̄ ← d·θ̄ + (1 − d)·θ after every generator step) from its current
    /// weights; a resumed run may start one. Changes nothing when the run already keeps one.
    public func enableAverage(decay: Float) {
        guard average == nil else { return }
        precondition(decay >= 0 && decay < 1, "ConditionalGANTrainer: average decay must be in [0, 1)")
        options.averageDecay = decay
        var unused = SeededGenerator(seed: 0)
        let copy = LabelConditionalGenerator(configuration: configuration, using: &unused)
        let average = WeightAverage(average: copy, source: generator, decay: decay)
        average.reset()
        (averageGenerator, self.average) = (copy, average)
    }

    /// The network to sample from: the moving average when kept, else the generator itself.
    public var samplingGenerator: LabelConditionalGenerator { averageGenerator ?? generator }

    /// Makes step `step` (1 for the first) draw another batch, other latents and labels the next time it runs:
    /// after a rollback, so that the step that produced NaN or Inf is not repeated as it was.
    public func redraw(step: Int) { redrawnSteps[step, default: 0] += 1 }

    /// The first weight, buffer or optimizer moment holding NaN or Inf ("parameter generator.fc.weight"), or nil.
    public func nonFiniteState() -> String? {
        if let name = generator.firstNonFiniteState() { return "parameter generator.\(name)" }
        if let name = discriminator.firstNonFiniteState() { return "parameter discriminator.\(name)" }
        if let name = averageGenerator?.firstNonFiniteState() { return "parameter of the generator average \(name)" }
        if let k = generatorOptimizer.firstNonFiniteMoment() { return "generator optimizer moments of parameter \(k)" }
        if let k = discriminatorOptimizer.firstNonFiniteMoment() { return "discriminator optimizer moments of parameter \(k)" }
        return nil
    }

    /// `count` latents z ~ N(0, I) as [count, latentSize].
    func latents(_ count: Int, using random: inout SeededGenerator) -> Variable {
        Variable(Tensor.randomNormal([count, configuration.latentSize], using: &random))
    }

    /// One training step on batches drawn from `dataset`: `discriminatorSteps` updates of D
    /// on real batches and detached fakes with random labels, then one update of G through a frozen D.
    ///
    /// In a data-parallel run every rank draws the whole batch's indices, labels and latents, and trains on its rows of
    /// them (`DataParallel.localRows`), so N ranks take the step one process would.
    @discardableResult
    public func trainStep(on dataset: some LabeledImageDataset) -> ConditionalStepLosses {
        precondition(dataset.count > 0, "ConditionalGANTrainer: empty dataset")
        precondition(dataset.classCount <= configuration.classCount && dataset.channels == configuration.channels,
                     "ConditionalGANTrainer: dataset (\(dataset.classCount) classes, \(dataset.channels) channels) does not fit the model")
        var random = stepRandom(step, seed: options.seed)
        let n = options.batchSize
        let factor = options.learningRateFactor(completedSteps: step)
        generatorOptimizer.learningRate = options.generatorLearningRate * factor
        discriminatorOptimizer.learningRate = options.discriminatorLearningRate * factor
        generator.train()
        discriminator.train()
        var lossD: Float = 0
        var consistency: Float?
        for _ in 0..<options.discriminatorSteps {
            let indices = (0..<n).map { _ in Int(random.next() % UInt64(dataset.count)) }.localBatch
            let real = Variable(dataset.images(at: indices, size: configuration.imageSize))
            let realLabels = indices.map { dataset.labels[$0] }
            let fakeLabels = (0..<n).map { _ in Int(random.next() % UInt64(configuration.classCount)) }.localBatch
            let z = latents(n, using: &random).value.localBatch
            let fake = withNoGrad { generator(Variable(z), labels: fakeLabels) }
            discriminatorOptimizer.zeroGrad()
            let realOut = discriminator.outputs(real, labels: realLabels), fakeOut = discriminator.outputs(fake, labels: fakeLabels)
            var loss = options.loss.objective.discriminatorLoss(realLogits: realOut.logits, fakeLogits: fakeOut.logits)
            if let realClasses = realOut.classLogits, let fakeClasses = fakeOut.classLogits {
                loss = loss + classLossWeight * (softmaxCrossEntropyLoss(realClasses, labels: realLabels)
                                                  + softmaxCrossEntropyLoss(fakeClasses, labels: fakeLabels))
            }
            if let weight = options.consistencyWeight, weight > 0 {
                let term = consistencyTerm(real: real.value, realLabels: realLabels, realLogits: realOut.logits,
                                           fake: fake.value, fakeLabels: fakeLabels, fakeLogits: fakeOut.logits, using: &random)
                loss = loss + weight * term
                consistency = term.value.scalar
            }
            loss.backward()
            discriminatorOptimizer.step()
            lossD = loss.value.scalar
        }
        discriminator.setRequiresGrad(false)
        defer { discriminator.setRequiresGrad(true) }
        let diversityWeight = options.diversityWeight.flatMap { $0 > 0 && n >= 2 ? $0 : nil }
        var labels = (0..<(diversityWeight == nil ? n : n / 2)).map { _ in Int(random.next() % UInt64(configuration.classCount)) }
        if diversityWeight != nil { labels = labels + labels + labels.prefix(n % 2) }
        labels = labels.localBatch
        generatorOptimizer.zeroGrad()
        let fake = generator(Variable(latents(n, using: &random).value.localBatch), labels: labels)
        let fakeOut = discriminator.outputs(fake, labels: labels)
        let scored = options.generatorTopFraction.map { $0 < 1 ? Self.topRows(fakeOut.logits, fraction: $0) : fakeOut.logits } ?? fakeOut.logits
        var lossG = options.loss.objective.generatorLoss(fakeLogits: scored)
        if let classes = fakeOut.classLogits { lossG = lossG + classLossWeight * softmaxCrossEntropyLoss(classes, labels: labels) }
        var pairDistance: Float?
        if let diversityWeight {
            let pairs = n / 2, targets = diversityTargets(of: dataset)
            let distances = pairDistances(fake, pairs: pairs)
            let shortfalls = distances.indices.map { relu(targets[labels[$0]] - distances[$0]) }
            lossG = lossG + (diversityWeight / Float(pairs)) * shortfalls.dropFirst().reduce(shortfalls[0], +)
            pairDistance = distances.map { $0.value.scalar }.reduce(0, +) / Float(pairs)
        }
        lossG.backward()
        generatorOptimizer.step()
        average?.update()
        step += 1
        var losses = ConditionalStepLosses(step: step, discriminator: lossD, generator: lossG.value.scalar)
        losses.pairDistance = pairDistance
        losses.consistency = consistency
        lastLosses = losses
        return losses
    }

    /// mean_i (D(x_i) − D(T(x_i)))² over the real batch plus the same over the generated one, for D's logits of both
    /// batches as already computed; T an `ImageShift` of up to imageSize / 8 pixels drawn from `random`. D scores both
    /// shifted batches in one pass.
    func consistencyTerm(real: Tensor, realLabels: [Int], realLogits: Variable, fake: Tensor, fakeLabels: [Int],
                         fakeLogits: Variable, using random: inout SeededGenerator) -> Variable {
        let n = realLabels.count, m = fakeLabels.count, maxShift = max(1, configuration.imageSize / 8)
        let ranks = DataParallel.group?.size ?? 1   // shifts drawn for the whole batch; this rank's rows kept
        func shifts(_ count: Int) -> ImageShift {
            ImageShift(offsets: ImageShift.random(count: count * ranks, maxShift: maxShift, using: &random).offsets.localBatch)
        }
        let shifted = shifts(n).apply(to: real).scalars + shifts(m).apply(to: fake).scalars
        var shape = real.shape
        shape[0] = n + m
        let shiftedLogits = discriminator(Variable(Tensor(shape: shape, scalars: shifted)), labels: realLabels + fakeLabels)
        let logits = concatChannels([reshape(realLogits, to: [1, n, 1, 1]), reshape(fakeLogits, to: [1, m, 1, 1])])
        let squared = mseLoss(reshape(shiftedLogits, to: [1, n + m, 1, 1]), logits)
        return squared * (Float(n + m) / Float(n))  // n == m: the two batch means summed
    }

    /// d_i = mean|x[i] − x[pairs + i]| over every pixel, for i < pairs: how far apart the two images of each pair are.
    func pairDistances(_ images: Variable, pairs: Int) -> [Variable] {
        let shape = images.shape
        precondition(shape.count == 4 && 2 * pairs <= shape[0], "pairDistances: \(pairs) pairs of a batch shaped \(shape)")
        let rows = reshape(images, to: [1, shape[0], shape[1] * shape[2], shape[3]])
        return (0..<pairs).map { l1Loss(sliceChannels(rows, $0..<($0 + 1)), sliceChannels(rows, (pairs + $0)..<(pairs + $0 + 1))) }
    }

    /// τ_y of the diversity term: the mean (or the `diversityQuantile`) of the L1 distances between two real images
    /// of class y, over 256 pairs per class drawn with a fixed seed (so every run and resume agrees); 0 for a class
    /// with fewer than two images.
    func diversityTargets(of dataset: some LabeledImageDataset) -> [Float] {
        let key = "\(dataset.count)/\(dataset.classCount)/\(options.diversityQuantile.map { "\($0)" } ?? "mean")"
        if let targets = diversityTargets[key] { return targets }
        var byClass = [[Int]](repeating: [], count: configuration.classCount)
        for (index, label) in dataset.labels.enumerated() where label < byClass.count { byClass[label].append(index) }
        var random = SeededGenerator(seed: 0x7A11)
        let targets = byClass.map { members -> Float in
            guard members.count >= 2 else { return 0 }
            let pairs = 256
            let picks = (0..<(2 * pairs)).map { _ in members[Int(random.next() % UInt64(members.count))] }
            let images = Variable(dataset.images(at: picks, size: configuration.imageSize))
            let distances = withNoGrad { pairDistances(images, pairs: pairs) }.map { $0.value.scalar }
            guard let quantile = options.diversityQuantile else { return distances.reduce(0, +) / Float(pairs) }
            return distances.sorted()[Int((quantile * Float(pairs - 1)).rounded())]
        }
        diversityTargets[key] = targets
        return targets
    }

    /// The weight of the AC-GAN class cross-entropy.
    var classLossWeight: Float { options.classLossWeight ?? 1 }

    /// Images [labels.count, channels, size, size] in [-1, 1] for the given labels, with latents
    /// from `seed`, drawn from `samplingGenerator` in evaluation mode (running batch-norm statistics).
    public func samples(labels: [Int], seed: UInt64) -> Tensor {
        ConditionalSampler(generator: samplingGenerator).samples(labels: labels, seed: seed)
    }
}

/// The indices of the `count` highest `scores` (on a tie the earlier index), in ascending order.
func highestIndices(_ scores: [Float], count: Int) -> [Int] {
    scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(count).sorted()
}

extension ConditionalGANTrainer: RedrawingTrainer {}
