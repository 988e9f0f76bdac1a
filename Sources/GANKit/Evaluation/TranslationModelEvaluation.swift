import GANTraining
import Foundation
import GANCore
import GANTranslation

/// `gantool eval translate` and `gantool eval train-domain-classifier`: a two-way translation model measured on
/// held-out images of both domains with a domain classifier trained on the training images only (share of
/// translated images classified as the target domain, FID and KID in the classifier's feature space beside the
/// untranslated images, cycle-reconstruction L1).
public enum TranslationModelEvaluation {
    /// What an evaluation gives back: a printable table, the JSON report, and whether the goals hold.
    public struct Summary: Sendable {
        /// The human-readable table.
        public let table: String
        /// The report as pretty-printed JSON.
        public let json: String
        /// The report itself.
        public let report: TranslationEvaluationReport
        /// Each direction's share at least `relativeShareGoal` of the classifier's accuracy on real target photos, FID
        /// and KID below the untranslated photos', and no test image seen in training (`report.meetsGoals`).
        public var meetsGoals: Bool { report.meetsGoals }
        /// The folder of the model evaluated (a model folder, or a checkpoint folder).
        public let modelFolder: String
        /// Whether `modelFolder` is a model folder with a `manifest.json` that `ManifestEvaluation.record` can write into.
        public var isModelFolder: Bool { FileManager.default.fileExists(atPath: modelFolder + "/manifest.json") }
    }

    /// Where a classifier for test folders is cached when none is named: `$XDG_CACHE_HOME` or `~/.cache`, then
    /// `gankit/classifiers/<data folders' names joined by +>-domains` (e.g. `cat2dog+cat2dog-extra-domains`).
    public static func defaultClassifierDirectory(testFolders: [String]) -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        var names: [String] = []
        for folder in testFolders {
            let name = URL(fileURLWithPath: folder).standardizedFileURL.deletingLastPathComponent().lastPathComponent
            if !names.contains(name) { names.append(name) }
        }
        return "\(cache)/gankit/classifiers/\(names.joined(separator: "+"))-domains"
    }

    /// The training folder beside a test folder: `…/testA` → `…/trainA` (the last component's leading "test"
    /// becomes "train").
    /// - Throws: `GANKitError.invalidArgument` when the name does not start with "test" or the folder is absent.
    public static func trainingFolder(besideTestFolder folder: String) throws(GANKitError) -> String {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let name = url.lastPathComponent
        guard name.lowercased().hasPrefix("test") else {
            throw .invalidArgument("cannot infer the training folder of \(folder) (its name does not start with 'test'); give --train-a/--train-b")
        }
        let sibling = url.deletingLastPathComponent().appendingPathComponent("train" + name.dropFirst(4)).path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sibling, isDirectory: &isFolder), isFolder.boolValue else {
            throw .invalidArgument("no training folder \(sibling) beside \(folder); give --train-a/--train-b")
        }
        return sibling
    }

    /// Trains the two-class classifier on `trainA`/`trainB` with `options` (architecture, augmentation, epochs...), tests
    /// it on `testA`/`testB` and saves it in `output`. Returns its test accuracy, per domain, and the seconds taken
    /// (loading included). With `runFolder`, training checkpoints there and resumes it when `resume`.
    public static func trainClassifier(domains: (a: String, b: String), trainA: [String], trainB: [String], testA: [String], testB: [String],
                                       output: String, options: DomainClassifierTraining.Options = DomainClassifierTraining.Options(),
                                       inputSize: Int = 64, limit: Int? = nil, runFolder: String? = nil, resume: Bool = false,
                                       log: (String) -> Void = { _ in }) throws -> (testAccuracy: Double, perDomain: [Double], seconds: Double) {
        guard options.epochs >= 1, inputSize >= 8, options.width >= 1, options.blocksPerStage >= 1 else {
            throw GANKitError.invalidArgument("epochs, input size (>= 8), width and blocks per stage must be positive")
        }
        // Random resized crops take up to the whole square: give them a wider one to take from.
        let preparation = DomainImagePreparation(inputSize: inputSize, loadSize: options.augmentation == .strong ? inputSize * 5 / 4 : nil)
        let manifest = try withoutActuallyEscaping(log) { log in
            try DomainClassifierTraining.trainAndSave(domains: [domains.a, domains.b], trainFolders: [trainA, trainB], testFolders: [testA, testB],
                                                      to: output, preparation: preparation, options: options, limit: limit,
                                                      runFolder: runFolder, resume: resume, progress: log)
        }
        return (manifest.testAccuracy, manifest.perClassTestAccuracy, manifest.trainSeconds)
    }

    /// A model to evaluate, from `spec`: a model folder (`manifest.json`), a run folder (its `model/`, else its latest
    /// checkpoint), a checkpoint folder (`state.json` + `G_A`/`G_B`), or a model name in `models` (as `gantool translate`).
    public static func resolveModel(_ spec: String, models: String? = nil) throws -> TranslationModel {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: spec, isDirectory: &isFolder), isFolder.boolValue {
            if files.fileExists(atPath: spec + "/manifest.json") { return try TranslationModel(folder: spec) }
            if files.fileExists(atPath: spec + "/model/manifest.json") { return try TranslationModel(folder: spec + "/model") }
            if files.fileExists(atPath: spec + "/state.json") && files.fileExists(atPath: spec + "/G_A.safetensors") {
                return try TranslationModel(checkpoint: spec)
            }
            if files.fileExists(atPath: spec + "/checkpoints/latest.json") {
                return try TranslationModel(checkpoint: CycleGANCheckpoint.latestState(runFolder: spec).folder)
            }
            throw GANKitError.invalidArgument("\(spec) is neither a model folder, a run folder nor a checkpoint folder")
        }
        let folder = TranslationModels.folder(explicit: models)
        let available = TranslationModels.available(in: folder)
        if available.isEmpty { throw TranslationError.noModels(folder: folder) }
        guard let model = available.first(where: { $0.manifest.name == spec || PathName($0.folder).lastComponent == spec }) else {
            throw TranslationError.unknownModel(spec, available: available.map(\.manifest.name))
        }
        return model
    }

    /// Evaluates the model `modelSpec` (see `resolveModel`) on the images directly inside `testA` and `testB`, with the
    /// classifier in `classifierDirectory` (default: the cache; trained there first, on `trainA`/`trainB` or the
    /// `train*` folders beside the test folders, when absent).
    public static func evaluate(modelSpec: String, models: String? = nil, testA: [String], testB: [String],
                                trainA: [String]? = nil, trainB: [String]? = nil, classifierDirectory: String? = nil,
                                size: Int = 128, limit: Int? = nil, log: (String) -> Void = { _ in }) throws -> Summary {
        guard !testA.isEmpty, !testB.isEmpty else { throw GANKitError.invalidArgument("give test folders of both domains (--a, --b)") }
        guard size >= 16 else { throw GANKitError.invalidArgument("size must be at least 16") }
        if let limit, limit < 2 { throw GANKitError.invalidArgument("limit must be at least 2") }
        var model = try resolveModel(modelSpec, models: models)
        let classifierFolder = classifierDirectory ?? defaultClassifierDirectory(testFolders: testA + testB)
        if !DomainClassifierTraining.exists(in: classifierFolder) {
            guard classifierDirectory == nil else { throw DomainClassifierError.missing(path: classifierFolder) }
            let a = try trainA ?? testA.map { folder throws(GANKitError) in try trainingFolder(besideTestFolder: folder) }
            let b = try trainB ?? testB.map { folder throws(GANKitError) in try trainingFolder(besideTestFolder: folder) }
            log("no classifier in \(classifierFolder): training one on \((a + b).joined(separator: ", "))")
            _ = try trainClassifier(domains: (model.manifest.domainA, model.manifest.domainB), trainA: a, trainB: b,
                                    testA: testA, testB: testB, output: classifierFolder, log: log)
        }
        let (classifier, manifest) = try DomainClassifierTraining.load(from: classifierFolder)
        guard manifest.domains.count == 2 else {
            throw GANKitError.invalidArgument("\(classifierFolder) classifies \(manifest.domains.count) domains, not 2")
        }
        let checkpoint = model.manifest.domainA == "A" && model.manifest.domainB == "B"
        if checkpoint { model = TranslationModel(renaming: model, domainA: manifest.domains[0], domainB: manifest.domains[1]) }
        log("model \(model.folder) (\(model.manifest.domainA) -> \(model.manifest.domainB), step \(model.manifest.trainingSteps.map(String.init) ?? "?"))")
        let generatorA: Module, generatorB: Module?
        do {
            (generatorA, generatorB) = (try model.loadGenerator("G_A"), model.translatesBothWays ? try model.loadGenerator("G_B") : nil)
        } catch where !FileManager.default.fileExists(atPath: model.folder) {
            // A run still training replaced its latest checkpoint meanwhile: take the new one.
            let renamed = try resolveModel(modelSpec, models: models)
            model = checkpoint ? TranslationModel(renaming: renamed, domainA: manifest.domains[0], domainB: manifest.domains[1]) : renamed
            log("the checkpoint was replaced while loading; using \(model.folder)")
            (generatorA, generatorB) = (try model.loadGenerator("G_A"), model.translatesBothWays ? try model.loadGenerator("G_B") : nil)
        }
        let translateA = Translator(generator: generatorA), translateB = generatorB.map { Translator(generator: $0) }
        var generatorData: (a: [String], b: [String])?
        if let notes = model.manifest.notes, let a = notes["trainA"], let b = notes["trainB"] {
            generatorData = (a.split(separator: "\n").map(String.init), b.split(separator: "\n").map(String.init))
        }
        var options = TranslationEvaluation.Options()
        (options.size, options.limit) = (size, limit)
        let report = try TranslationEvaluation.evaluate(
            model: model.folder, step: model.manifest.trainingSteps, domains: (model.manifest.domainA, model.manifest.domainB),
            aToB: { translateA.translate($0) }, bToA: translateB.map { t in { t.translate($0) } }, generatorTrainFolders: generatorData,
            classifier: classifier, manifest: manifest, classifierFolder: classifierFolder, testA: testA, testB: testB,
            options: options, progress: log)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        return Summary(table: table(report), json: json, report: report, modelFolder: model.folder)
    }

    /// `text` padded with spaces to `width` characters, on the right when `left` (left-aligned), else on the left.
    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }

    /// The table `gantool eval translate` prints.
    public static func table(_ r: TranslationEvaluationReport) -> String {
        let percent = { (x: Double) in String(format: "%.1f%%", 100 * x) }
        var lines = ["model \(r.model)\(r.step.map { " (step \($0))" } ?? ""); test images \(r.size)x\(r.size) (shorter side resized, centre crop)",
                     "classifier \(r.classifier): test accuracy \(percent(r.classifierTestAccuracy)) (\(r.directions[0].from) \(percent(r.classifierPerDomainAccuracy[0])), \(r.directions[0].to) \(percent(r.classifierPerDomainAccuracy[1]))); recorded at training \(percent(r.classifierRecordedTestAccuracy))",
                     "",
                     pad("direction", 18, left: true) + pad("images", 7) + pad("as target", 11) + pad("(untr.)", 9) + pad("FID", 9)
                        + pad("(untr.)", 9) + pad("KID", 9) + pad("(untr.)", 9) + pad("cycle L1", 10)]
        for d in r.directions {
            lines.append(pad("\(d.from) -> \(d.to)", 18, left: true) + pad("\(d.count)", 7) + pad(percent(d.shareClassifiedAsTarget), 11)
                         + pad(percent(d.untranslatedShareClassifiedAsTarget), 9) + pad(String(format: "%.2f", d.fid), 9)
                         + pad(String(format: "%.2f", d.fidUntranslated), 9) + pad(String(format: "%.4f", d.kid), 9)
                         + pad(String(format: "%.4f", d.kidUntranslated), 9) + pad(d.cycleL1.map { String(format: "%.4f", $0) } ?? "n/a", 10))
        }
        for direction in r.unavailableDirections ?? [] {
            lines.append(pad(direction, 18, left: true) + "  not available: the model translates one way only (cycle L1 not applicable)")
        }
        lines.append("")
        lines.append("FID and KID: translated vs real target test images in the classifier's feature space; (untr.): the source test images themselves.")
        lines.append("test images seen in training: classifier \(r.classifierSawTestImages ? "YES" : "no"), generators \(r.generatorSawTestImages.map { $0 ? "YES" : "no" } ?? "not recorded")")
        let required = r.directions.map { "\($0.from) -> \($0.to) \(percent($0.requiredShare))" }.joined(separator: ", ")
        lines.append("goals (each way: classified as the target at least \(percent(r.relativeShareGoal)) of the classifier's accuracy on real "
                     + "target photos, i.e. \(required); FID and KID below the untranslated photos'; cycle L1 reported, not a goal"
                     + "\(r.unavailableDirections == nil ? "" : "; one-way model: its one direction")): \(r.meetsGoals ? "met" : "not met")")
        return lines.joined(separator: "\n")
    }
}
