import GANTraining
import ArgumentParser
import Foundation
import GANKit

/// `gantool eval translate`.
struct EvalTranslate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Score a translation model on held-out images: share classified as the target, FID/KID, cycle L1.",
        discussion: """
            Every test image of --a (domain A) and --b (domain B) is resized (shorter side) and centre-cropped to \
            --size, translated A->B with G_A and B->A with G_B, and back for the cycle-reconstruction L1 (in [-1, 1] \
            units). A two-class CNN trained on the training images only (cached; trained first when --classifier is \
            not given and none is cached, on --train-a/--train-b or the train* folders beside the test folders) \
            reports its accuracy on the real test images, the share of translated images it assigns to the target \
            domain, and FID and KID (unbiased MMD², cubic kernel) in its feature space between translated and real \
            target test images, beside the untranslated source images. Goals, each way: classified as the target at \
            least 85% of the classifier's accuracy on the real target photos, FID and KID below the untranslated \
            photos'; no test image seen in training; cycle L1 is reported, not a goal. Progress on stderr; exit \
            status 0 whether or not the goals hold.

            --model takes a model folder, a name in the models folder, a training run folder (its model/, else its \
            latest checkpoint) or a checkpoint folder (runs/NAME/checkpoints/step-N).

            Examples:
              gantool eval translate --model runs/cat2dog \\
                  --a ../shared/data/cat2dog/testA --a ../shared/data/cat2dog-extra/testA \\
                  --b ../shared/data/cat2dog/testB --b ../shared/data/cat2dog-extra/testB
              gantool eval translate --model cat2dog --a DIR --b DIR \\
                  --classifier classifiers/cat2dog --limit 50 --json
              gantool eval translate --model cat2dog --record \\
                  --a ../shared/data/cat2dog/testA --a ../shared/data/cat2dog-extra/testA \\
                  --b ../shared/data/cat2dog/testB --b ../shared/data/cat2dog-extra/testB
            """)

    @Option(help: "Model folder or name, run folder, or checkpoint folder.")
    var model: String

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Option(help: ArgumentHelp("Test folder of domain A (repeatable).", valueName: "dir"))
    var a: [String] = []

    @Option(help: ArgumentHelp("Test folder of domain B (repeatable).", valueName: "dir"))
    var b: [String] = []

    @Option(name: .customLong("train-a"), help: ArgumentHelp("Training folder of domain A for a classifier trained here (default: trainA beside each --a).", valueName: "dir"))
    var trainA: [String] = []

    @Option(name: .customLong("train-b"), help: ArgumentHelp("Training folder of domain B (default: trainB beside each --b).", valueName: "dir"))
    var trainB: [String] = []

    @Option(help: ArgumentHelp("Domain classifier folder written by 'gantool eval train-domain-classifier'.", valueName: "dir"))
    var classifier: String?

    @Option(help: "Side of the square test images.")
    var size = 128

    @Option(help: "Use only the first N test images of each domain (sorted).")
    var limit: Int?

    @Flag(help: "Print the report as JSON instead of a table.")
    var json = false

    @Flag(help: "Record the report in the model's manifest.json (evaluation.translate); needs a model folder.")
    var record = false

    func validate() throws {
        if record && limit != nil { throw ValidationError("--record keeps the whole test set's numbers: drop --limit") }
        if a.isEmpty || b.isEmpty { throw ValidationError("give the test folders of both domains with --a and --b") }
        if size < 16 { throw ValidationError("--size must be at least 16") }
        if let limit, limit < 2 { throw ValidationError("--limit must be at least 2") }
    }

    func run() throws {
        do {
            let summary = try TranslationModelEvaluation.evaluate(
                modelSpec: model, models: models, testA: a, testB: b, trainA: trainA.isEmpty ? nil : trainA,
                trainB: trainB.isEmpty ? nil : trainB, classifierDirectory: classifier, size: size, limit: limit, log: log)
            print(json ? summary.json : summary.table)
            if record {
                guard summary.isModelFolder else {
                    throw ValidationError("--record writes into a model folder's manifest.json; \(summary.modelFolder) is a checkpoint (export it first with 'gantool export')")
                }
                try ManifestEvaluation.record(Data(summary.json.utf8), as: "translate", in: summary.modelFolder)
                log("recorded in \(summary.modelFolder)/manifest.json")
            }
        } catch {
            throw failure(error)
        }
    }
}

/// `gantool eval train-domain-classifier`.
struct EvalTrainDomainClassifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-domain-classifier",
        abstract: "Train the two-class CNN that 'eval translate' scores translations with.",
        discussion: """
            Trains on the training folders of both domains, reports the accuracy on the test folders (which it \
            never trains on), per domain, and writes classifier.safetensors and classifier.json (domains, folders, \
            counts, layout, augmentation, epochs, seed, test accuracy, time) into the output folder. By default a \
            small ResNet at 128 px, trained with random resized crops, flips and colour jitter (seeded), a cosine \
            decay of the rate, and test-time flips; --architecture plain --augmentation crops-and-flips \
            --input-size 64 --no-test-time-flips is the first, weaker judge. With --run DIR, training \
            checkpoints into DIR every epoch (and on Ctrl-C, exiting 128+signal), and --resume continues \
            it exactly, --epochs setting the new total.

            Example:
              gantool eval train-domain-classifier --a-name cats --b-name dogs \\
                  --train-a ../shared/data/cat2dog/trainA \\
                  --train-a ../shared/data/cat2dog-extra/trainA \\
                  --train-b ../shared/data/cat2dog/trainB \\
                  --train-b ../shared/data/cat2dog-extra/trainB \\
                  --a ../shared/data/cat2dog/testA --a ../shared/data/cat2dog-extra/testA \\
                  --b ../shared/data/cat2dog/testB --b ../shared/data/cat2dog-extra/testB \\
                  -o classifiers/cat2dog
            """)

    @Option(name: .customLong("train-a"), help: ArgumentHelp("Training folder of domain A (repeatable; default: trainA beside each --a).", valueName: "dir"))
    var trainA: [String] = []

    @Option(name: .customLong("train-b"), help: ArgumentHelp("Training folder of domain B (repeatable; default: trainB beside each --b).", valueName: "dir"))
    var trainB: [String] = []

    @Option(help: ArgumentHelp("Test folder of domain A (repeatable).", valueName: "dir"))
    var a: [String] = []

    @Option(help: ArgumentHelp("Test folder of domain B (repeatable).", valueName: "dir"))
    var b: [String] = []

    @Option(name: .customLong("a-name"), help: "Name of domain A.")
    var aName = "A"

    @Option(name: .customLong("b-name"), help: "Name of domain B.")
    var bName = "B"

    @Option(name: [.short, .customLong("output")], help: "Classifier folder (default: ~/.cache/gankit/classifiers/<data folders>-domains).")
    var output: String?

    @Option(help: "Passes over the training images.")
    var epochs = 40

    @Option(help: "Side of the network input (the shorter side is resized to 5/4 of it for strong augmentation, 9/8 else; then cropped).")
    var inputSize = 128

    @Option(help: ArgumentHelp("Network: residual (a small ResNet) or plain (five convolutions, the first judge).", valueName: "layout"))
    var architecture = DomainClassifier.Architecture.residual

    @Option(help: "Residual: basic blocks per stage.")
    var blocksPerStage = 1

    @Option(help: ArgumentHelp("strong (random resized crops, flips, colour jitter) or crops-and-flips.", valueName: "kind"))
    var augmentation = DomainClassifierTraining.Augmentation.strong

    @Flag(inversion: .prefixedNo, help: "Average each test image's prediction with its mirror image's.")
    var testTimeFlips = true

    @Option(help: "Channels of the first convolution (features: 8x this).")
    var width = 32

    @Option(help: "Seed of weights, order, crops and flips.")
    var seed: UInt64 = 0

    @Option(help: "Use only the first N training images per domain.")
    var limit: Int?

    @Option(name: .customLong("run"), help: ArgumentHelp("Checkpoint training into this run folder (every epoch; resumable).", valueName: "dir"))
    var runFolder: String?

    @Flag(help: "Continue the checkpoint in --run.")
    var resume = false

    func validate() throws {
        if a.isEmpty || b.isEmpty { throw ValidationError("give the test folders of both domains with --a and --b") }
        if epochs < 1 { throw ValidationError("--epochs must be positive") }
        if inputSize < 8 { throw ValidationError("--input-size must be at least 8") }
        if width < 1 { throw ValidationError("--width must be positive") }
        if blocksPerStage < 1 || blocksPerStage > 16 { throw ValidationError("--blocks-per-stage must be 1...16") }
        if resume && runFolder == nil { throw ValidationError("--resume needs --run DIR") }
    }

    func run() throws {
        do {
            let trainA = try self.trainA.isEmpty ? a.map { try TranslationModelEvaluation.trainingFolder(besideTestFolder: $0) } : self.trainA
            let trainB = try self.trainB.isEmpty ? b.map { try TranslationModelEvaluation.trainingFolder(besideTestFolder: $0) } : self.trainB
            let folder = output ?? TranslationModelEvaluation.defaultClassifierDirectory(testFolders: a + b)
            var options = DomainClassifierTraining.Options()
            (options.epochs, options.seed, options.width) = (epochs, seed, width)
            (options.architecture, options.blocksPerStage, options.augmentation, options.testTimeFlips) = (architecture, blocksPerStage, augmentation, testTimeFlips)
            let result = try TranslationModelEvaluation.trainClassifier(
                domains: (aName, bName), trainA: trainA, trainB: trainB, testA: a, testB: b, output: folder, options: options,
                inputSize: inputSize, limit: limit, runFolder: runFolder, resume: resume, log: log)
            print(String(format: "test accuracy %.2f%% (%@ %.2f%%, %@ %.2f%%) after %d epoch(s), %.0f s; saved in %@", 100 * result.testAccuracy,
                         aName, 100 * result.perDomain[0], bName, 100 * result.perDomain[1], epochs, result.seconds, folder))
        } catch let DomainClassifierError.stopped(path, step, signal) {
            log("classifier training stopped at step \(step); checkpoint in \(path) (continue with --resume)")
            throw ExitCode(signal.map { 128 + $0 } ?? 1)
        } catch {
            throw failure(error)
        }
    }
}

extension DomainClassifier.Architecture: ExpressibleByArgument {}
extension DomainClassifierTraining.Augmentation: ExpressibleByArgument {}
