import Foundation
import GANCore
import GANImageIO

/// The scores of one direction of a translation model on held-out images.
public struct TranslationDirectionScore: Codable, Sendable, Equatable {
    /// Source domain name.
    public var from: String
    /// Target domain name.
    public var to: String
    /// Test images of the source domain translated.
    public var count: Int
    /// Share of translated images the classifier assigns to the target domain.
    public var shareClassifiedAsTarget: Double
    /// Share of the untranslated source images the classifier assigns to the target domain (its error rate there).
    public var untranslatedShareClassifiedAsTarget: Double
    /// FID between translated images and the real target test images (classifier features).
    public var fid: Double
    /// FID between the untranslated source images and the real target test images.
    public var fidUntranslated: Double
    /// KID (unbiased MMD², cubic kernel) between translated images and the real target test images.
    public var kid: Double
    /// KID between the untranslated source images and the real target test images.
    public var kidUntranslated: Double
    /// Mean |G_back(G(x)) − x| over pixels and RGB channels, in [-1, 1] units; nil for a one-direction model
    /// (CUT), which has no generator back. Reported, not a goal: a translator that changes shape reconstructs less exactly.
    public var cycleL1: Double?
    /// The share classified as the target this direction must reach: the report's `relativeShareGoal` times the
    /// classifier's accuracy on the real test images of the target domain.
    public var requiredShare: Double

    /// The bar of one direction: at least `requiredShare` classified as the target, and FID and KID to the real target
    /// images below those of the untranslated source images.
    public var meetsGoal: Bool { shareClassifiedAsTarget >= requiredShare && fid < fidUntranslated && kid < kidUntranslated }
}

/// What `gantool eval translate` reports.
public struct TranslationEvaluationReport: Codable, Sendable, Equatable {
    /// The model (folder or name).
    public var model: String
    /// The model's training steps, when known.
    public var step: Int?
    /// Side of the square test images (shorter side resized, centre crop).
    public var size: Int
    /// The classifier folder.
    public var classifier: String
    /// The classifier's accuracy on the real test images given here, measured through the same pipeline.
    public var classifierTestAccuracy: Double
    /// The same per domain (A, B).
    public var classifierPerDomainAccuracy: [Double]
    /// The test accuracy recorded when the classifier was trained.
    public var classifierRecordedTestAccuracy: Double
    /// Whether any test image lies in a folder the classifier was trained on.
    public var classifierSawTestImages: Bool
    /// Whether any test image lies in a folder the generators were trained on; nil when the model does not record its data.
    public var generatorSawTestImages: Bool?
    /// A → B, then B → A (A → B alone for a one-direction model).
    public var directions: [TranslationDirectionScore]
    /// Directions the model cannot translate ("dogs -> cats" for a cats -> dogs CUT model); nil when none.
    public var unavailableDirections: [String]?
    /// The bar relative to the judge (issue 21): each direction's share classified as the target must reach this
    /// fraction (0.85) of the classifier's accuracy on the real test images of the target domain.
    public var relativeShareGoal: Double
    /// `meetsGoals` when the report was made (stored so that the JSON carries it).
    public var goalsMet = false

    /// Every direction meets its goal (`TranslationDirectionScore.meetsGoal`) and no test image was seen by the
    /// classifier (or, where recorded, the generators). A one-direction model is judged on its one direction.
    public var meetsGoals: Bool {
        !classifierSawTestImages && generatorSawTestImages != true && directions.allSatisfy(\.meetsGoal)
    }
}

/// Measures a two-way translation model on held-out images of both domains with a `DomainClassifier`.
public enum TranslationEvaluation {
    /// A network run on one [1, 3, s, s] tensor in [-1, 1].
    public typealias Generator = (Tensor) -> Tensor

    /// Settings.
    public struct Options: Sendable {
        /// Side of the square test images.
        public var size = 128
        /// At most this many test images per domain (sorted).
        public var limit: Int?
        /// The share classified as the target each way must reach this fraction of the classifier's accuracy on the
        /// real test images of the target domain.
        public var relativeShareGoal = 0.85
        /// Subsets and subset size of KID (clean-fid: 100 × 1000; smaller sets use all rows once).
        public var kidSubsets = 100
        /// Subset size of KID.
        public var kidSubsetSize = 1000
        /// Creates the defaults.
        public init() {}
    }

    /// Evaluates `aToB` (G_A) and `bToA` (G_B; nil for a one-direction model, which is then scored A → B only, without
    /// cycle L1) on the images directly inside `testA` and `testB` folders.
    /// - Throws: `DomainClassifierError.noImages` for a domain without readable images; `ImageIOError` when a
    ///   translated image cannot be formed.
    public static func evaluate(model: String, step: Int?, domains: (a: String, b: String), aToB: @escaping Generator, bToA: Generator?,
                                generatorTrainFolders: (a: [String], b: [String])?,
                                classifier: DomainClassifier, manifest: DomainClassifierManifest, classifierFolder: String,
                                testA: [String], testB: [String], options: Options = Options(),
                                progress: (String) -> Void = { _ in }) throws -> TranslationEvaluationReport {
        guard options.size >= 8 else { throw DomainClassifierError.invalidArgument("size must be at least 8") }
        let preparation = manifest.preparation
        let testFolders = [testA, testB]
        var lists = testFolders.map { folders in folders.flatMap { UnpairedImageFolder.imagePaths(in: $0) } }
        if let limit = options.limit { lists = lists.map { Array($0.prefix(limit)) } }
        let testFiles = Set(lists.flatMap { $0 }.map(resolved))
        let classifierSaw = !testFiles.isDisjoint(with: filesIn(manifest.trainFolders.flatMap { $0 }))
        let generatorSaw = generatorTrainFolders.map { !testFiles.isDisjoint(with: filesIn($0.a + $0.b)) }

        let names = [domains.a, domains.b]
        let generators: [Generator?] = [aToB, bToA]
        // Per domain: classifier inputs of real, translated; cycle L1 sums.
        var real = [[Float]](repeating: [], count: 2), translated = [[Float]](repeating: [], count: 2)
        var counts = [0, 0], cycle = [0.0, 0.0]
        for d in 0..<2 {
            for (k, path) in lists[d].enumerated() {
                let square: Image
                do { square = try DomainImagePreparation.centreSquare(Image(contentsOf: path).converted(to: .rgb), side: options.size) } catch {
                    progress("skipping \(error)")
                    continue
                }
                let x = square.rgbTensor()
                real[d] += try preparation.evaluationInput(square).scalars
                counts[d] += 1
                guard let forward = generators[d] else { continue }
                let fake = forward(x)
                if let backward = generators[1 - d] {
                    let back = backward(fake)
                    var l1 = 0.0
                    for (u, v) in zip(back.scalars, x.scalars) { l1 += Double(Swift.abs(u - v)) }
                    cycle[d] += l1 / Double(x.count)
                }
                let fakeImage = try Image(planes: FloatPlanes(channels: 3, height: options.size, width: options.size, values: fake.scalars))
                translated[d] += try preparation.evaluationInput(fakeImage).scalars
                if (k + 1) % 25 == 0 || k + 1 == lists[d].count { progress("\(names[d]) -> \(names[1 - d]): \(k + 1)/\(lists[d].count)") }
            }
            guard counts[d] >= 2 else { throw DomainClassifierError.noImages(domain: names[d], folders: testFolders[d]) }
        }
        let s = preparation.inputSize
        func run(_ values: [Float], _ n: Int) -> (features: Tensor, predictions: [Int]) {
            classifier.featuresAndPredictions(Tensor(shape: [n, 3, s, s], scalars: values))
        }
        let realOut = (0..<2).map { run(real[$0], counts[$0]) }
        let fakeOut = (0..<2).map { generators[$0] == nil ? nil : run(translated[$0], counts[$0]) }
        let perDomain = (0..<2).map { d in Double(realOut[d].predictions.filter { $0 == d }.count) / Double(counts[d]) }
        let overall = Double(realOut[0].predictions.filter { $0 == 0 }.count + realOut[1].predictions.filter { $0 == 1 }.count)
            / Double(counts[0] + counts[1])
        var directions: [TranslationDirectionScore] = []
        var unavailable: [String] = []
        for d in 0..<2 {
            let target = 1 - d
            guard let fakeOut = fakeOut[d] else {
                unavailable.append("\(names[d]) -> \(names[target])")
                progress("\(names[d]) -> \(names[target]): not available (the model only translates \(names[target]) to \(names[d]))")
                continue
            }
            let share = Double(fakeOut.predictions.filter { $0 == target }.count) / Double(counts[d])
            let untranslated = Double(realOut[d].predictions.filter { $0 == target }.count) / Double(counts[d])
            let kid = { (x: Tensor) in
                KernelDistance.kid(x, realOut[target].features, subsets: options.kidSubsets, subsetSize: options.kidSubsetSize).mean
            }
            let score = TranslationDirectionScore(
                from: names[d], to: names[target], count: counts[d], shareClassifiedAsTarget: share,
                untranslatedShareClassifiedAsTarget: untranslated,
                fid: FrechetDistance.between(fakeOut.features, realOut[target].features),
                fidUntranslated: FrechetDistance.between(realOut[d].features, realOut[target].features),
                kid: kid(fakeOut.features), kidUntranslated: kid(realOut[d].features),
                cycleL1: generators[target] == nil ? nil : cycle[d] / Double(counts[d]),
                requiredShare: options.relativeShareGoal * perDomain[target])
            progress(String(format: "%@ -> %@: %.1f%% classified as %@, FID %.2f (untranslated %.2f), KID %.4f, cycle L1 %@",
                            score.from, score.to, 100 * share, score.to, score.fid, score.fidUntranslated, score.kid,
                            score.cycleL1.map { String(format: "%.4f", $0) } ?? "not applicable"))
            directions.append(score)
        }
        var report = TranslationEvaluationReport(model: model, step: step, size: options.size, classifier: classifierFolder,
                                           classifierTestAccuracy: overall, classifierPerDomainAccuracy: perDomain,
                                           classifierRecordedTestAccuracy: manifest.testAccuracy, classifierSawTestImages: classifierSaw,
                                           generatorSawTestImages: generatorSaw, directions: directions,
                                           relativeShareGoal: options.relativeShareGoal)
        report.unavailableDirections = unavailable.isEmpty ? nil : unavailable
        report.goalsMet = report.meetsGoals
        return report
    }

    /// The path with symbolic links and `..` resolved.
    static func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path }

    /// The resolved paths of the images directly inside `folders`.
    static func filesIn(_ folders: [String]) -> Set<String> {
        Set(folders.flatMap { UnpairedImageFolder.imagePaths(in: $0) }.map(resolved))
    }
}
