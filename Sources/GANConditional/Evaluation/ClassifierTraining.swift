import Foundation
import GANCore
import GANImageIO
import GANTraining

/// What `classifier.json` records beside `classifier.safetensors`.
public struct ClassifierManifest: ClassifierRecord, Sendable, Equatable {
    /// The manifest format.
    public static let currentFormat = "gankit-digit-classifier/1"
    /// Always `currentFormat`.
    public var format = ClassifierManifest.currentFormat
    /// Number of classes.
    public var classCount: Int
    /// Size of the feature layer.
    public var featureSize: Int
    /// The training data folder.
    public var dataset: String
    /// Epochs trained.
    public var epochs: Int
    /// Training images used.
    public var trainCount: Int
    /// Accuracy on the real test split.
    public var testAccuracy: Double
    /// Wall-clock training time.
    public var trainSeconds: Double
    /// Seed of weights and shuffling.
    public var seed: UInt64

    /// Creates a manifest of the current format.
    public init(classCount: Int, featureSize: Int, dataset: String, epochs: Int, trainCount: Int,
                testAccuracy: Double, trainSeconds: Double, seed: UInt64) {
        (self.classCount, self.featureSize, self.dataset, self.epochs) = (classCount, featureSize, dataset, epochs)
        (self.trainCount, self.testAccuracy, self.trainSeconds, self.seed) = (trainCount, testAccuracy, trainSeconds, seed)
    }
}

/// Errors of classifier files.
public enum ClassifierError: Error, CustomStringConvertible, Sendable {
    /// `classifier.json` or the weights are absent.
    case missing(path: String)
    /// A file could not be read, decoded or written.
    case bad(path: String, detail: String)

    /// A message naming the file.
    public var description: String {
        switch self {
        case let .missing(path): return "no trained classifier in \(path) (train one with 'gantool eval train-classifier')"
        case let .bad(path, detail): return "\(path): \(detail)"
        }
    }
}

/// Trains, tests, saves and loads a `DigitClassifier`.
public enum ClassifierTraining {
    /// Training settings.
    public struct Options: Sendable {
        /// Passes over the training split.
        public var epochs = 6
        /// Images per Adam step.
        public var batchSize = 64
        /// Adam learning rate of the first epoch; multiplied by `decay` every epoch after.
        public var learningRate: Float = 1e-3
        /// Per-epoch learning-rate factor.
        public var decay: Float = 0.6
        /// Random translation of training images by up to ±`shift` pixels (background fill).
        public var shift = 2
        /// Seed of weights and shuffling.
        public var seed: UInt64 = 0
        /// Use only the first `limit` training images.
        public var limit: Int?
        /// Creates the defaults.
        public init() {}
    }

    /// Trains a classifier on `train`; `progress` gets a line every few hundred steps.
    public static func train(on train: IDXDataset, options: Options = Options(),
                             progress: (String) -> Void = { _ in }) -> DigitClassifier {
        var random = SeededGenerator(seed: options.seed)
        let model = DigitClassifier(classCount: train.classCount, using: &random)
        let optimizer = Adam(model.parameters(), learningRate: options.learningRate)
        let n = min(train.count, options.limit ?? Int.max)
        var step = 0
        for epoch in 0..<options.epochs {
            optimizer.learningRate = options.learningRate * Float(Double(options.decay).power(epoch))
            var order = Array(0..<n)
            order.shuffle(using: &random)
            var runningLoss = 0.0, runningCount = 0
            var start = 0
            while start < n {
                let indices = Array(order[start..<min(start + options.batchSize, n)])
                start += options.batchSize
                let labels = indices.map { train.labels[$0] }
                var batch = train.images(at: indices, size: DigitClassifier.imageSize)
                if options.shift > 0 { batch = shifted(batch, maxShift: options.shift, using: &random) }
                let logits = model(Variable(batch))
                let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, labels: labels)
                optimizer.zeroGrad()
                logits.backward(seed: gradient)
                optimizer.step()
                step += 1
                runningLoss += Double(loss)
                runningCount += 1
                if step % 200 == 0 {
                    progress(String(format: "epoch %d step %d loss %.4f", epoch + 1, step, runningLoss / Double(runningCount)))
                    runningLoss = 0
                    runningCount = 0
                }
            }
        }
        return model
    }

    /// Each image of [N, 1, s, s] moved by a random offset in ±`maxShift` pixels, uncovered pixels set to -1.
    static func shifted(_ images: Tensor, maxShift: Int, using random: inout SeededGenerator) -> Tensor {
        let (n, s) = (images.shape[0], images.shape[2])
        var out = [Float](repeating: -1, count: images.count)
        for k in 0..<n {
            let dy = Int(random.next() % UInt64(2 * maxShift + 1)) - maxShift
            let dx = Int(random.next() % UInt64(2 * maxShift + 1)) - maxShift
            for y in max(0, dy)..<min(s, s + dy) {
                for x in max(0, dx)..<min(s, s + dx) {
                    out[(k * s + y) * s + x] = images.scalars[(k * s + y - dy) * s + x - dx]
                }
            }
        }
        return Tensor(shape: images.shape, scalars: out)
    }

    /// Fraction of `dataset`'s images classified as their label, overall and per class.
    public static func accuracy(of model: DigitClassifier, on dataset: IDXDataset) -> (overall: Double, perClass: [Double]) {
        let predictions = model.predict(dataset.images(at: Array(0..<dataset.count), size: DigitClassifier.imageSize))
        return accuracy(predictions: predictions, labels: dataset.labels, classCount: dataset.classCount)
    }

    /// Fraction of `predictions` equal to `labels`, overall and per class (NaN for an absent class).
    public static func accuracy(predictions: [Int], labels: [Int], classCount: Int) -> (overall: Double, perClass: [Double]) {
        var right = [Int](repeating: 0, count: classCount), total = [Int](repeating: 0, count: classCount)
        for (p, y) in zip(predictions, labels) {
            total[y] += 1
            if p == y { right[y] += 1 }
        }
        let overall = Double(right.reduce(0, +)) / Double(max(labels.count, 1))
        return (overall, (0..<classCount).map { total[$0] == 0 ? .nan : Double(right[$0]) / Double(total[$0]) })
    }

    /// Writes `classifier.safetensors` then `classifier.json` into `directory`.
    public static func save(_ model: DigitClassifier, manifest: ClassifierManifest, to directory: String) throws(ClassifierError) {
        do { try ClassifierFolder(directory).write(manifest, weights: model.stateDict()) } catch { throw .bad(path: error.path, detail: error.detail) }
    }

    /// Whether `directory` holds a saved classifier.
    public static func exists(in directory: String) -> Bool { ClassifierFolder(directory).exists }

    /// Loads the classifier saved in `directory` (in evaluation mode).
    public static func load(from directory: String) throws(ClassifierError) -> (model: DigitClassifier, manifest: ClassifierManifest) {
        let folder = ClassifierFolder(directory)
        guard folder.exists else { throw .missing(path: directory) }
        do {
            let manifest: ClassifierManifest = try folder.readRecord()
            var random = SeededGenerator(seed: 0)
            let model = DigitClassifier(classCount: manifest.classCount, featureSize: manifest.featureSize, using: &random)
            try folder.loadWeights(into: model)
            return (model, manifest)
        } catch { throw .bad(path: error.path, detail: error.detail) }
    }
}

extension Double {
    fileprivate func power(_ k: Int) -> Double { (0..<k).reduce(1.0) { r, _ in r * self } }
}
