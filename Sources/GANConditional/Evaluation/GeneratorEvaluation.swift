import Foundation
import GANCore

/// The numbers `gantool eval generate` reports for a label-conditional generator, measured in a
/// `DigitClassifier`'s feature space against the real test split.
public struct GeneratorEvaluationReport: Codable, Sendable {
    /// The checkpoint folder.
    public var model: String
    /// The checkpoint's training step.
    public var step: Int
    /// The classifier's accuracy on the real test split.
    public var classifierTestAccuracy: Double
    /// Generated images per class.
    public var samplesPerClass: Int
    /// Real test images used.
    public var realTestCount: Int
    /// Fraction of generated images classified as the label they were drawn for.
    public var labelAccuracy: Double
    /// The same, per class.
    public var perClassLabelAccuracy: [Double]
    /// FID between generated and real-test features.
    public var fid: Double
    /// The floor: FID between as many real training images as generated ones and the real test split, averaged over
    /// every disjoint draw of that many training images (`fidFloorDraws`).
    public var fidFloor: Double
    /// The floor of each disjoint draw (six for the 60000 MNIST training images and 10000 samples); absent in reports
    /// written before the floor was averaged, whose floor is one draw.
    public var fidFloorDraws: [Double]?
    /// fid / fidFloor.
    public var fidRatio: Double
    /// Improved precision (k-NN, k = `k`), all classes together.
    public var precision: Double
    /// Improved recall, all classes together.
    public var recall: Double
    /// Precision of real training images against the real test split (same sizes): the reference.
    public var realPrecision: Double
    /// Recall of real training images against the real test split: the reference.
    public var realRecall: Double
    /// Recall of each class's generated images against that class's real test images.
    public var perClassRecall: [Double]
    /// Precision per class, likewise.
    public var perClassPrecision: [Double]
    /// The k of the k-NN radii.
    public var k: Int
    /// The latent truncation the samples were drawn with (nil: none).
    public var truncation: Float?
    /// The fraction of drawn candidates the discriminator rejected (nil: none; see `Options.rejection`).
    public var rejection: Float?

    private enum CodingKeys: String, CodingKey {
        case model, step, classifierTestAccuracy, samplesPerClass, realTestCount, labelAccuracy, perClassLabelAccuracy
        case fid, fidFloor, fidFloorDraws, fidRatio, precision, recall, realPrecision, realRecall, perClassRecall, perClassPrecision, k
        case truncation, rejection
    }

    /// Whether the goals hold: label accuracy ≥ `accuracyGoal`, FID ≤ 3× floor, every class recall > 0.5.
    public func meetsGoals(accuracyGoal: Double) -> Bool {
        labelAccuracy >= accuracyGoal && fid <= 3 * fidFloor && perClassRecall.allSatisfy { $0 > 0.5 }
    }
}

/// Measures a conditional generator with a trained classifier.
public enum GeneratorEvaluation {
    /// Settings.
    public struct Options: Sendable {
        /// Generated images per class.
        public var samplesPerClass = 1000
        /// Seed of the latents (class c uses seed + c).
        public var seed: UInt64 = 12345
        /// Latents drawn from N(0, I) truncated to |z_i| ≤ this (each coordinate redrawn until inside), as
        /// `gantool generate --truncation`; nil: untruncated.
        public var truncation: Float?
        /// Discriminator rejection: draw count / (1 − r) candidates per chunk and keep the `count` the discriminator
        /// scores highest (`ConditionalSampler.bestSamples`); nil: plain samples. Needs the `discriminator` argument.
        public var rejection: Float?
        /// k of the k-NN radii.
        public var k = 3
        /// At most this many points per set in the overall precision/recall (distances are n²).
        public var maxPrecisionRecallPoints = 10000
        /// Creates the defaults.
        public init() {}
    }

    /// Evaluates `generator` (of a checkpoint at `step`) against `test`, with `train` for the FID floor; `discriminator`
    /// (the checkpoint's) scores candidates when `options.rejection` is set.
    public static func evaluate(generator: LabelConditionalGenerator, discriminator: ConditionalDiscriminator? = nil, model: String, step: Int,
                                classifier: DigitClassifier, classifierTestAccuracy: Double, train: IDXDataset, test: IDXDataset,
                                options: Options = Options(), progress: (String) -> Void = { _ in }) -> GeneratorEvaluationReport {
        let classCount = generator.configuration.classCount
        precondition(classCount == classifier.classCount && classCount == test.classCount,
                     "GeneratorEvaluation: the generator has \(classCount) classes, the classifier \(classifier.classCount), the data \(test.classCount)")
        precondition(options.rejection.map { $0 >= 0 && $0 < 1 && discriminator != nil } ?? true,
                     "GeneratorEvaluation: rejection needs a fraction in [0, 1) and a discriminator")
        let sampler = ConditionalSampler(generator: generator)
        var generatedFeatures: [Float] = [], generatedLabels: [Int] = [], predictions: [Int] = []
        for label in 0..<classCount {
            var done = 0
            while done < options.samplesPerClass {
                let count = min(500, options.samplesPerClass - done)
                let seed = options.seed &+ UInt64(label) &* 1_000_003 &+ UInt64(done)
                let images = if let rejection = options.rejection, let discriminator {
                    sampler.bestSamples(label: label, count: count, candidates: Int((Float(count) / (1 - rejection)).rounded(.up)), seed: seed,
                                        truncation: options.truncation, critic: discriminator)
                } else {
                    sampler.samples(labels: Array(repeating: label, count: count), seed: seed, truncation: options.truncation)
                }
                let (features, predicted) = classifier.featuresAndPredictions(images)
                generatedFeatures += features.scalars
                predictions += predicted
                generatedLabels += Array(repeating: label, count: count)
                done += count
            }
            progress("generated class \(label)")
        }
        let d = classifier.featureSize
        let generated = Tensor(shape: [generatedLabels.count, d], scalars: generatedFeatures)
        let accuracy = ClassifierTraining.accuracy(predictions: predictions, labels: generatedLabels, classCount: classCount)

        let testFeatures = classifier.features(test.images(at: Array(0..<test.count), size: DigitClassifier.imageSize))
        progress("real test features")
        // Floor: as many real training images as generated ones (FID is biased by sample size), in every disjoint
        // draw of the shuffled training split, averaged: single draws of 10000 MNIST digits range from 5.49 to 8.15.
        var random = SeededGenerator(seed: options.seed)
        var trainOrder = Array(0..<train.count)
        trainOrder.shuffle(using: &random)
        let testStatistics = GaussianStatistics(testFeatures)
        let fid = FrechetDistance.between(GaussianStatistics(generated), testStatistics)
        let drawSize = min(generatedLabels.count, train.count), draws = max(1, train.count / max(drawSize, 1))
        var floorDraws: [Double] = [], trainFeatures = Tensor(shape: [0, d], scalars: [])
        for draw in 0..<draws {
            let indices = Array(trainOrder[(draw * drawSize)..<((draw + 1) * drawSize)])
            let features = classifier.features(train.images(at: indices, size: DigitClassifier.imageSize))
            floorDraws.append(FrechetDistance.between(GaussianStatistics(features), testStatistics))
            if draw == 0 { trainFeatures = features }  // the reference precision/recall uses the first draw
        }
        let floor = floorDraws.reduce(0, +) / Double(draws)
        progress(String(format: "FID %.3f, floor %.3f", fid, floor))

        // Overall precision/recall on equal-sized subsets.
        let m = min(options.maxPrecisionRecallPoints, generated.shape[0], testFeatures.shape[0])
        var order = Array(0..<generated.shape[0]); order.shuffle(using: &random)
        let generatedSubset = rows(generated, Array(order.prefix(m)))
        order = Array(0..<testFeatures.shape[0]); order.shuffle(using: &random)
        let testSubset = rows(testFeatures, Array(order.prefix(m)))
        let overall = PrecisionRecall.compute(real: testSubset, generated: generatedSubset, k: options.k)
        let reference = PrecisionRecall.compute(real: testSubset, generated: rows(trainFeatures, Array(0..<min(m, trainFeatures.shape[0]))), k: options.k)
        progress(String(format: "precision %.3f recall %.3f (real train: %.3f, %.3f)", overall.precision, overall.recall,
                        reference.precision, reference.recall))

        var perClassRecall: [Double] = [], perClassPrecision: [Double] = []
        for label in 0..<classCount {
            let realRows = test.labels.indices.filter { test.labels[$0] == label }
            let fakeRows = generatedLabels.indices.filter { generatedLabels[$0] == label }
            let pr = PrecisionRecall.compute(real: rows(testFeatures, realRows), generated: rows(generated, fakeRows), k: options.k)
            perClassRecall.append(pr.recall)
            perClassPrecision.append(pr.precision)
        }
        return GeneratorEvaluationReport(model: model, step: step, classifierTestAccuracy: classifierTestAccuracy,
                                         samplesPerClass: options.samplesPerClass, realTestCount: test.count,
                                         labelAccuracy: accuracy.overall, perClassLabelAccuracy: accuracy.perClass,
                                         fid: fid, fidFloor: floor, fidFloorDraws: floorDraws, fidRatio: fid / floor, precision: overall.precision, recall: overall.recall,
                                         realPrecision: reference.precision, realRecall: reference.recall,
                                         perClassRecall: perClassRecall, perClassPrecision: perClassPrecision, k: options.k,
                                         truncation: options.truncation, rejection: options.rejection)
    }

    /// The rows `indices` of [n, d].
    static func rows(_ x: Tensor, _ indices: [Int]) -> Tensor {
        let d = x.shape[1]
        var out: [Float] = []
        out.reserveCapacity(indices.count * d)
        for i in indices { out += x.scalars[i * d..<(i + 1) * d] }
        return Tensor(shape: [indices.count, d], scalars: out)
    }
}
