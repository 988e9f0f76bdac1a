import Foundation
import GANCore
import GANImageIO
import GANTraining

/// What `classifier.json` records beside `classifier.safetensors` for a `DomainClassifier`.
public struct DomainClassifierManifest: ClassifierRecord, Sendable, Equatable {
    /// The manifest format.
    public static let currentFormat = "gankit-domain-classifier/1"
    /// Always `currentFormat`.
    public var format = DomainClassifierManifest.currentFormat
    /// Names of the classes (domain A first).
    public var domains: [String]
    /// Channels of the first convolution.
    public var width: Int
    /// How images are brought to the network.
    public var preparation: DomainImagePreparation
    /// The training folders of each class (absolute paths).
    public var trainFolders: [[String]]
    /// The test folders of each class (absolute paths).
    public var testFolders: [[String]]
    /// Training images used per class.
    public var trainCounts: [Int]
    /// Test images per class.
    public var testCounts: [Int]
    /// Passes over the training images.
    public var epochs: Int
    /// Seed of weights, order and augmentation.
    public var seed: UInt64
    /// Accuracy on the test images (centre crops).
    public var testAccuracy: Double
    /// The same per class.
    public var perClassTestAccuracy: [Double]
    /// Wall-clock training time.
    public var trainSeconds: Double
    /// The layout (absent in classifiers saved before there was a choice: plain).
    public var architecture: DomainClassifier.Architecture?
    /// Residual: basic blocks per stage.
    public var blocksPerStage: Int?
    /// How training images were augmented (absent: crops and flips).
    public var augmentation: DomainClassifierTraining.Augmentation?
    /// Whether predictions average each image and its mirror image (absent: no).
    public var testTimeFlips: Bool?

    /// Creates a manifest of the current format.
    public init(domains: [String], width: Int, preparation: DomainImagePreparation, trainFolders: [[String]], testFolders: [[String]],
                trainCounts: [Int], testCounts: [Int], epochs: Int, seed: UInt64, testAccuracy: Double,
                perClassTestAccuracy: [Double], trainSeconds: Double) {
        (self.domains, self.width, self.preparation, self.trainFolders, self.testFolders) = (domains, width, preparation, trainFolders, testFolders)
        (self.trainCounts, self.testCounts, self.epochs, self.seed) = (trainCounts, testCounts, epochs, seed)
        (self.testAccuracy, self.perClassTestAccuracy, self.trainSeconds) = (testAccuracy, perClassTestAccuracy, trainSeconds)
    }
}

/// Errors of domain classifiers and their data.
public enum DomainClassifierError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `classifier.json` or the weights are absent.
    case missing(path: String)
    /// A file could not be read, decoded or written.
    case bad(path: String, detail: String)
    /// A class has no readable image in its folders.
    case noImages(domain: String, folders: [String])
    /// The settings cannot work.
    case invalidArgument(String)
    /// Training stopped before its end (by `signal` when set); its checkpoint in `path` resumes it.
    case stopped(path: String, step: Int, signal: Int32?)

    /// A message naming the file or folder.
    public var description: String {
        switch self {
        case let .missing(path): "no trained domain classifier in \(path) (train one with 'gantool eval train-domain-classifier')"
        case let .bad(path, detail): "\(path): \(detail)"
        case let .noImages(domain, folders): "no readable image of \(domain) in \(folders.joined(separator: ", "))"
        case let .invalidArgument(detail): detail
        case let .stopped(path, step, _): "classifier training stopped at step \(step); its checkpoint is in \(path) (continue with --resume)"
        }
    }
}

/// Images of several classes, each held as its `loadSize` square planes in [-1, 1].
public struct LabelledImageSet: Sendable {
    /// The preparation the squares were made with.
    public let preparation: DomainImagePreparation
    /// Square planes [3 · loadSize²] of each image.
    public let squares: [[Float]]
    /// Class of each image.
    public let labels: [Int]
    /// Path of each image.
    public let paths: [String]

    /// Number of images.
    public var count: Int { labels.count }

    /// Reads every image (PNG, JPEG) directly inside the folders of each class, sorted, at most `limit` per class.
    /// Unreadable files are reported through `warn` and skipped.
    /// - Throws: `DomainClassifierError.noImages` when a class has no readable image.
    public static func load(folders: [[String]], domains: [String], preparation: DomainImagePreparation, limit: Int? = nil,
                            warn: (String) -> Void = { _ in }) throws(DomainClassifierError) -> LabelledImageSet {
        var squares: [[Float]] = [], labels: [Int] = [], paths: [String] = []
        for (label, classFolders) in folders.enumerated() {
            var list = classFolders.flatMap { UnpairedImageFolder.imagePaths(in: $0) }
            if let limit { list = Array(list.prefix(limit)) }
            let loaded = decode(list, preparation: preparation)
            var any = false
            for (path, result) in zip(list, loaded) {
                switch result {
                case let .success(planes): squares.append(planes); labels.append(label); paths.append(path); any = true
                case let .failure(error): warn("skipping \(error)")
                }
            }
            if !any { throw .noImages(domain: domains[label], folders: classFolders) }
        }
        return LabelledImageSet(preparation: preparation, squares: squares, labels: labels, paths: paths)
    }

    /// Creates a set from squares already prepared.
    public init(preparation: DomainImagePreparation, squares: [[Float]], labels: [Int], paths: [String]) {
        (self.preparation, self.squares, self.labels, self.paths) = (preparation, squares, labels, paths)
    }

    /// Decodes and squares the files, two at a time.
    static func decode(_ paths: [String], preparation: DomainImagePreparation) -> [Result<[Float], ImageIOError>] {
        let results = LockedArray<Result<[Float], ImageIOError>>(repeating: .success([]), count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            do throws(ImageIOError) {
                results[i] = .success(try preparation.loadSquare(Image(contentsOf: paths[i])))
            } catch { results[i] = .failure(error) }
        }
        return results.values
    }

    /// The evaluation inputs (centre crops) of all images, [N, 3, s, s].
    public func centreCrops() -> Tensor {
        let (l, s) = (preparation.loadSize, preparation.inputSize)
        var values: [Float] = []
        values.reserveCapacity(count * 3 * s * s)
        for square in squares { values += preparation.crop(square, x: (l - s) / 2, y: (l - s) / 2, flip: false).scalars }
        return Tensor(shape: [count, 3, s, s], scalars: values)
    }
}

/// A fixed-size array written from several threads at distinct indices.
final class LockedArray<Element>: @unchecked Sendable {
    private var storage: [Element]
    private let lock = NSLock()
    init(repeating value: Element, count: Int) { storage = Array(repeating: value, count: count) }
    subscript(index: Int) -> Element {
        get { lock.lock(); defer { lock.unlock() }; return storage[index] }
        set { lock.lock(); storage[index] = newValue; lock.unlock() }
    }
    var values: [Element] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Trains, tests, saves and loads a `DomainClassifier`.
public enum DomainClassifierTraining {
    /// How training images are varied.
    public enum Augmentation: String, Codable, Sendable, CaseIterable {
        /// A random `inputSize` crop of the `loadSize` square and a random flip.
        case cropsAndFlips = "crops-and-flips"
        /// Random resized crops, flips and colour jitter (`DomainImagePreparation.augmentedCrop`).
        case strong
    }

    /// Training settings.
    public struct Options: Sendable, Codable, Equatable {
        /// The layout.
        public var architecture = DomainClassifier.Architecture.plain
        /// Residual: basic blocks per stage.
        public var blocksPerStage = 1
        /// How training images are varied.
        public var augmentation = Augmentation.cropsAndFlips
        /// Whether test predictions average each image and its mirror image.
        public var testTimeFlips = false
        /// Passes over the training images.
        public var epochs = 40
        /// Images per Adam step.
        public var batchSize = 32
        /// Adam learning rate at the start; it falls on a half cosine to 0 at the end.
        public var learningRate: Float = 2e-3
        /// Channels of the first convolution.
        public var width = 32
        /// Seed of weights, order, crops and flips.
        public var seed: UInt64 = 0
        /// Creates the defaults.
        public init() {}
    }

    /// Trains a classifier on `train` in memory (`DomainClassifierTrainer`); `progress` gets a line per epoch.
    public static func train(on train: LabelledImageSet, classCount: Int, options: Options = Options(),
                             progress: (String) -> Void = { _ in }) -> DomainClassifier {
        let trainer = DomainClassifierTrainer(data: train, classCount: classCount, options: options)
        trainer.trainToEnd(progress: progress)
        return trainer.model
    }

    /// Trains in the `TrainingLoop` with checkpoints in `runFolder` (every epoch and every 10 minutes; SIGINT/SIGTERM/SIGXCPU
    /// checkpoint and stop), continuing its checkpoint when `resume` (with `options.epochs` as the new total).
    /// - Throws: `DomainClassifierError.stopped` when a signal stopped it, `TrainingFolderError`, `NonFiniteTrainingError`.
    public static func train(on train: LabelledImageSet, classCount: Int, options: Options, runFolder: String, resume: Bool,
                             progress: @escaping (String) -> Void) throws -> DomainClassifier {
        let hasCheckpoint = FileManager.default.fileExists(atPath: runFolder + "/state.json")
        if hasCheckpoint && !resume { throw DomainClassifierError.invalidArgument("\(runFolder) already holds a checkpoint: pass --resume, or another --run") }
        let trainer = hasCheckpoint ? try DomainClassifierTrainer.resumed(from: runFolder, data: train, epochs: options.epochs)
            : DomainClassifierTrainer(data: train, classCount: classCount, options: options, runFolder: runFolder)
        if hasCheckpoint { progress("resumed \(runFolder) at step \(trainer.step) of \(trainer.totalSteps)") }
        var loop = TrainingLoop(runFolder: runFolder)
        (loop.checkpointEvery, loop.sampleEvery, loop.progressEvery) = ([.steps(trainer.stepsPerEpoch), .seconds(600)], nil, .steps(trainer.stepsPerEpoch))
        loop.progress = progress
        let outcome = try loop.run(trainer)
        guard outcome == .finished else {
            var signal: Int32?
            if case let .interrupted(number) = outcome { signal = number }
            throw DomainClassifierError.stopped(path: runFolder, step: trainer.step, signal: signal)
        }
        return trainer.model
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

    /// Loads the images of `trainFolders`/`testFolders` (one list per class), trains, tests and saves the classifier in
    /// `directory`. Returns the manifest written.
    public static func trainAndSave(domains: [String], trainFolders: [[String]], testFolders: [[String]], to directory: String,
                                    preparation: DomainImagePreparation = DomainImagePreparation(), options: Options = Options(),
                                    limit: Int? = nil, runFolder: String? = nil, resume: Bool = false,
                                    progress: @escaping (String) -> Void = { _ in }) throws -> DomainClassifierManifest {
        guard domains.count >= 2, trainFolders.count == domains.count, testFolders.count == domains.count else {
            throw DomainClassifierError.invalidArgument("need training and test folders for each of \(domains.count) domains (at least 2)")
        }
        let absolute = { (lists: [[String]]) in lists.map { $0.map { URL(fileURLWithPath: $0).standardizedFileURL.path } } }
        let (trainLists, testLists) = (absolute(trainFolders), absolute(testFolders))
        for (k, list) in trainLists.enumerated() {
            let seen = Set(list).intersection(testLists.flatMap { $0 })
            if !seen.isEmpty { throw DomainClassifierError.invalidArgument("\(domains[k]): training folders \(seen.sorted().joined(separator: ", ")) are also test folders") }
        }
        let start = Date()
        let train = try LabelledImageSet.load(folders: trainLists, domains: domains, preparation: preparation, limit: limit, warn: progress)
        let test = try LabelledImageSet.load(folders: testLists, domains: domains, preparation: preparation, warn: progress)
        progress("classifier data: \(train.count) training and \(test.count) test images, loaded in \(String(format: "%.0f", Date().timeIntervalSince(start))) s")
        let model = try runFolder.map { try Self.train(on: train, classCount: domains.count, options: options, runFolder: $0, resume: resume, progress: progress) }
            ?? Self.train(on: train, classCount: domains.count, options: options, progress: progress)
        let seconds = Date().timeIntervalSince(start)
        let predictions = model.featuresAndPredictions(test.centreCrops()).predictions
        let accuracy = Self.accuracy(predictions: predictions, labels: test.labels, classCount: domains.count)
        progress(String(format: "classifier test accuracy %.4f, trained in %.0f s", accuracy.overall, seconds))
        let counts = { (set: LabelledImageSet) in (0..<domains.count).map { k in set.labels.filter { $0 == k }.count } }
        var manifest = DomainClassifierManifest(domains: domains, width: options.width, preparation: preparation, trainFolders: trainLists,
                                                testFolders: testLists, trainCounts: counts(train), testCounts: counts(test),
                                                epochs: options.epochs, seed: options.seed, testAccuracy: accuracy.overall,
                                                perClassTestAccuracy: accuracy.perClass, trainSeconds: seconds)
        (manifest.architecture, manifest.augmentation, manifest.testTimeFlips) = (options.architecture, options.augmentation, options.testTimeFlips)
        manifest.blocksPerStage = options.architecture == .residual ? options.blocksPerStage : nil
        try save(model, manifest: manifest, to: directory)
        return manifest
    }

    /// Writes `classifier.safetensors` then `classifier.json` into `directory`.
    public static func save(_ model: DomainClassifier, manifest: DomainClassifierManifest, to directory: String) throws(DomainClassifierError) {
        do { try ClassifierFolder(directory).write(manifest, weights: model.stateDict()) } catch { throw .bad(path: error.path, detail: error.detail) }
    }

    /// Whether `directory` holds a saved classifier.
    public static func exists(in directory: String) -> Bool { ClassifierFolder(directory).exists }

    /// Loads the classifier saved in `directory` (in evaluation mode).
    public static func load(from directory: String) throws(DomainClassifierError) -> (model: DomainClassifier, manifest: DomainClassifierManifest) {
        let folder = ClassifierFolder(directory)
        guard folder.exists else { throw .missing(path: directory) }
        let manifest: DomainClassifierManifest
        do { manifest = try folder.readRecord() } catch { throw .bad(path: error.path, detail: error.detail) }
        guard manifest.domains.count >= 2, (1...1024).contains(manifest.width), (8...4096).contains(manifest.preparation.inputSize),
              manifest.preparation.loadSize >= manifest.preparation.inputSize, manifest.preparation.loadSize <= 8192 else {
            throw .bad(path: folder.recordPath, detail: "implausible classifier settings")
        }
        var random = SeededGenerator(seed: 0)
        guard (1...16).contains(manifest.blocksPerStage ?? 1) else { throw .bad(path: folder.recordPath, detail: "implausible blocks per stage") }
        let model = DomainClassifier(classCount: manifest.domains.count, width: manifest.width, architecture: manifest.architecture ?? .plain,
                                     blocksPerStage: manifest.blocksPerStage ?? 1, using: &random)
        model.averagesFlips = manifest.testTimeFlips ?? false
        do { try folder.loadWeights(into: model) } catch { throw .bad(path: error.path, detail: error.detail) }
        return (model, manifest)
    }
}
