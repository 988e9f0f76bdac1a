import GANTraining
import Foundation
import GANConditional

/// `gantool eval`: trains the digit classifier and measures a label-conditional generator with it
/// (label accuracy, FID against the real test split beside the real-train floor, k-NN precision
/// and recall overall and per class).
public enum ConditionalEvaluation {
    /// What an evaluation gives back: a printable table, the JSON report, and whether the goals hold.
    public struct Summary: Sendable {
        /// The human-readable table.
        public let table: String
        /// The report as pretty-printed JSON.
        public let json: String
        /// Label accuracy ≥ goal (98% MNIST, 90% Fashion), FID ≤ 3× floor, every class recall > 0.5.
        public let meetsGoals: Bool
    }

    /// Where a classifier for `dataDirectory` is cached when none is named:
    /// `$XDG_CACHE_HOME` or `~/.cache`, then `gankit/classifiers/<data folder name>`.
    public static func defaultClassifierDirectory(dataDirectory: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache")
        let name = URL(fileURLWithPath: dataDirectory).standardized.lastPathComponent
        return "\(cache)/gankit/classifiers/\(name)"
    }

    /// Trains the classifier on the training split of the IDX data in `dataDirectory`, tests it on
    /// the test split and saves it in `outputDirectory`. Returns the test accuracy and the seconds taken.
    public static func trainClassifier(dataDirectory: String, outputDirectory: String, epochs: Int = 6, seed: UInt64 = 0,
                                       limit: Int? = nil, log: (String) -> Void = { _ in }) throws -> (testAccuracy: Double, seconds: Double) {
        let train = try IDXDataset.load(directory: dataDirectory, split: .train)
        let test = try IDXDataset.load(directory: dataDirectory, split: .test)
        var options = ClassifierTraining.Options()
        (options.epochs, options.seed, options.limit) = (epochs, seed, limit)
        let start = Date()
        let model = ClassifierTraining.train(on: train, options: options, progress: log)
        let seconds = Date().timeIntervalSince(start)
        model.eval()
        let accuracy = ClassifierTraining.accuracy(of: model, on: test)
        log(String(format: "test accuracy %.4f (%@), trained in %.0f s", accuracy.overall,
                   accuracy.perClass.map { String(format: "%.3f", $0) }.joined(separator: " "), seconds))
        let manifest = ClassifierManifest(classCount: train.classCount, featureSize: model.featureSize, dataset: dataDirectory,
                                          epochs: epochs, trainCount: min(train.count, limit ?? Int.max),
                                          testAccuracy: accuracy.overall, trainSeconds: seconds, seed: seed)
        try ClassifierTraining.save(model, manifest: manifest, to: outputDirectory)
        return (accuracy.overall, seconds)
    }

    /// Evaluates the generator of the checkpoint or model folder `modelDirectory` against the IDX data in
    /// `dataDirectory`, with the classifier in `classifierDirectory` (default: the cache; trained
    /// there first when absent).
    public static func evaluateGenerator(modelDirectory: String, dataDirectory: String, classifierDirectory: String? = nil,
                                         samplesPerClass: Int = 1000, seed: UInt64 = 12345, standingStatistics: Int? = nil, truncation: Float? = nil,
                                         rejection: Float? = nil, log: (String) -> Void = { _ in }) throws -> Summary {
        if let rejection, !(rejection >= 0 && rejection < 1) {
            throw ConditionalTrainingRun.Failure.invalid("the rejected fraction must be in [0, 1), got \(rejection)")
        }
        let classifierFolder = classifierDirectory ?? defaultClassifierDirectory(dataDirectory: dataDirectory)
        if !ClassifierTraining.exists(in: classifierFolder) {
            guard classifierDirectory == nil else { throw ClassifierError.missing(path: classifierFolder) }
            log("no classifier in \(classifierFolder): training one")
            _ = try trainClassifier(dataDirectory: dataDirectory, outputDirectory: classifierFolder, log: log)
        }
        let (classifier, manifest) = try ClassifierTraining.load(from: classifierFolder)
        let isCheckpoint = FileManager.default.fileExists(atPath: "\(modelDirectory)/state.json")
        let step = LabelGANModel.isModelFolder(modelDirectory) && !isCheckpoint
            ? try LabelGANModel.readManifest(folder: modelDirectory).trainingSteps
            : try ConditionalGANTrainer.readState(from: modelDirectory).step
        let generator = try ConditionalGANTrainer.loadGenerator(from: modelDirectory)
        if rejection != nil && !isCheckpoint {
            throw ConditionalTrainingRun.Failure.invalid("rejection needs a checkpoint's discriminator; \(modelDirectory) is a model folder, which keeps only the generator")
        }
        let discriminator = try rejection.map { _ in try ConditionalGANTrainer.loadDiscriminator(from: modelDirectory) }
        if let passes = standingStatistics {
            ConditionalSampler(generator: generator).standStatistics(passes: passes)
            log("batch-norm statistics recomputed over \(passes) batches (standing statistics)")
        }
        let train = try IDXDataset.load(directory: dataDirectory, split: .train)
        let test = try IDXDataset.load(directory: dataDirectory, split: .test)
        var options = GeneratorEvaluation.Options()
        (options.samplesPerClass, options.seed, options.truncation, options.rejection) = (samplesPerClass, seed, truncation, rejection)
        let report = GeneratorEvaluation.evaluate(generator: generator, discriminator: discriminator, model: modelDirectory, step: step, classifier: classifier,
                                                  classifierTestAccuracy: manifest.testAccuracy, train: train, test: test,
                                                  options: options, progress: log)
        let fashion = dataDirectory.lowercased().contains("fashion")
        let goal = fashion ? 0.90 : 0.98
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        return Summary(table: table(report, goal: goal), json: json, meetsGoals: report.meetsGoals(accuracyGoal: goal))
    }

    static func table(_ r: GeneratorEvaluationReport, goal: Double) -> String {
        var lines = ["model \(r.model) at step \(r.step); classifier test accuracy \(String(format: "%.2f%%", 100 * r.classifierTestAccuracy)); \(r.samplesPerClass) samples per class\(r.truncation.map { " (latents truncated at \($0))" } ?? "")\(r.rejection.map { " (the discriminator's best \(Int((100 * (1 - $0)).rounded()))% of the candidates)" } ?? "") vs \(r.realTestCount) real test images",
                     "class  label-acc  precision  recall"]
        for c in r.perClassLabelAccuracy.indices {
            lines.append(String(format: "%5d  %8.2f%%  %9.3f  %6.3f", c, 100 * r.perClassLabelAccuracy[c], r.perClassPrecision[c], r.perClassRecall[c]))
        }
        lines.append(String(format: "  all  %8.2f%%  %9.3f  %6.3f   (goal: accuracy >= %.0f%%, recall > 0.5 per class)",
                            100 * r.labelAccuracy, r.precision, r.recall, 100 * goal))
        lines.append(String(format: " real  %8.2f%%  %9.3f  %6.3f   (real train images vs real test: the reference)",
                            100 * r.classifierTestAccuracy, r.realPrecision, r.realRecall))
        lines.append(String(format: "FID %.3f   floor (real train vs real test) %.3f   ratio %.2f (goal <= 3)", r.fid, r.fidFloor, r.fidRatio))
        if let draws = r.fidFloorDraws, draws.count > 1 {
            lines.append(String(format: "floor: mean of %d disjoint draws of %d training images, %.3f to %.3f", draws.count,
                                r.samplesPerClass * r.perClassLabelAccuracy.count, draws.min()!, draws.max()!))
        }
        lines.append("goals met: \(r.meetsGoals(accuracyGoal: goal) ? "yes" : "no")")
        return lines.joined(separator: "\n")
    }
}
