import ArgumentParser
import Foundation
import GANKit

/// `gantool eval`: measurements of trained models.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure trained models on held-out data.",
        subcommands: [EvalGenerate.self, EvalTrainClassifier.self, EvalColorize.self, EvalTranslate.self, EvalTrainDomainClassifier.self, EvalInpaint.self])
}

/// Picks the IDX data folder from --mnist / --fashion-mnist (default: the shared MNIST).
private func dataFolder(mnist: String?, fashionMNIST: String?) throws -> String {
    if mnist != nil && fashionMNIST != nil { throw ValidationError("give one of --mnist, --fashion-mnist") }
    return mnist ?? fashionMNIST ?? ConditionalGeneration.defaultDataDirectory("mnist")
}

func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// `gantool eval train-classifier`.
struct EvalTrainClassifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier",
        abstract: "Train the CNN classifier whose features and predictions 'eval generate' uses.",
        discussion: """
            Trains on the training split, reports the real test accuracy and writes \
            classifier.safetensors and classifier.json into the output folder.

            Example:
              gantool eval train-classifier --mnist ../shared/data/mnist \\
                  -o classifiers/mnist --epochs 6
            """)

    @Option(help: "Folder with MNIST IDX files.")
    var mnist: String?

    @Option(name: .customLong("fashion-mnist"), help: "Folder with Fashion-MNIST IDX files.")
    var fashionMNIST: String?

    @Option(name: [.short, .customLong("output")], help: "Classifier folder (default: ~/.cache/gankit/classifiers/<data folder name>).")
    var output: String?

    @Option(help: "Passes over the training split.")
    var epochs = 6

    @Option(help: "Seed of weights and shuffling.")
    var seed: UInt64 = 0

    @Option(help: "Use only the first N training images.")
    var limit: Int?

    func run() throws {
        do {
            let data = try dataFolder(mnist: mnist, fashionMNIST: fashionMNIST)
            let folder = output ?? ConditionalEvaluation.defaultClassifierDirectory(dataDirectory: data)
            let result = try ConditionalEvaluation.trainClassifier(dataDirectory: data, outputDirectory: folder, epochs: epochs,
                                                                   seed: seed, limit: limit, log: log)
            print(String(format: "test accuracy %.2f%% after %d epoch(s), %.0f s; saved in %@", 100 * result.testAccuracy, epochs,
                         result.seconds, folder))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw failure(error)
        }
    }
}

/// `gantool eval generate`.
struct EvalGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Score a label-conditional generator: label accuracy, FID vs the real floor, precision/recall.",
        discussion: """
            Draws --samples-per-class images of every class, classifies them with the trained \
            classifier (trained and cached first when --classifier is not given and none is \
            cached), and compares their classifier features with the real test split: FID \
            beside the real-train-vs-real-test floor, k-NN precision and recall (k = 3) overall \
            and per class.

            Examples:
              gantool eval generate --model runs/mnist --mnist ../shared/data/mnist \\
                  --classifier classifiers/mnist
              gantool eval generate --model runs/fashion --fashion-mnist DIR \\
                  --samples-per-class 500 --json
              # writes the report into its manifest
              gantool eval generate --model mnist-cgan --mnist DIR --record
              gantool eval generate --model runs/fashion --fashion-mnist DIR \\
                  --standing-statistics 200
              # keep the discriminator's best 80%
              gantool eval generate --model runs/fashion --fashion-mnist DIR \\
                  --rejection 0.2
            """)

    @Option(help: "Checkpoint folder (holds state.json), model folder, or model name in the models folder.")
    var model: String

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Flag(help: "Record the report in the model folder's manifest.json (evaluation.generate).")
    var record = false

    @Option(help: "Classifier folder written by 'gantool eval train-classifier'.")
    var classifier: String?

    @Option(help: "Folder with MNIST IDX files.")
    var mnist: String?

    @Option(name: .customLong("fashion-mnist"), help: "Folder with Fashion-MNIST IDX files.")
    var fashionMNIST: String?

    @Option(help: "Generated images per class.")
    var samplesPerClass = 1000

    @Option(help: "Seed of the latents.")
    var seed: UInt64 = 12345

    @Option(help: ArgumentHelp("Recompute the generator's batch-norm statistics over N training-mode batches first "
                               + "(standing statistics; the model folder is not changed).", valueName: "N"))
    var standingStatistics: Int?

    @Option(help: ArgumentHelp("Draw the latents truncated to |z_i| <= t, as generate --truncation does (precision for recall).",
                               valueName: "t"))
    var truncation: Float?

    @Option(help: ArgumentHelp("Discriminator rejection: draw candidates and drop the fraction r that the checkpoint's "
                               + "discriminator scores lowest (a checkpoint folder, not a model; precision for recall).",
                               valueName: "r"))
    var rejection: Float?

    @Flag(help: "Print the report as JSON instead of a table.")
    var json = false

    func validate() throws {
        if let truncation, !(truncation > 0 && truncation.isFinite) { throw ValidationError("--truncation must be positive") }
        if truncation != nil && record {
            throw ValidationError("--record measures the model as generate samples it by default, untruncated; drop --truncation")
        }
        if let rejection, !(rejection >= 0 && rejection < 1) { throw ValidationError("--rejection must be in [0, 1), e.g. 0.2") }
        if rejection != nil && record {
            throw ValidationError("--record measures the model as generate samples it, without a discriminator; drop --rejection")
        }
        if let standingStatistics, standingStatistics < 1 { throw ValidationError("--standing-statistics must be at least 1") }
        if standingStatistics != nil && record {
            throw ValidationError("--record measures the model as it is stored; bake standing statistics in with 'gantool export --standing-statistics N' and record that")
        }
        if samplesPerClass < 10 { throw ValidationError("--samples-per-class must be at least 10") }
    }

    func run() throws {
        do {
            let data = try dataFolder(mnist: mnist, fashionMNIST: fashionMNIST)
            let folder = try ConditionalGeneration.folder(of: model, models: models)
            let summary = try ConditionalEvaluation.evaluateGenerator(modelDirectory: folder, dataDirectory: data,
                                                                      classifierDirectory: classifier, samplesPerClass: samplesPerClass,
                                                                      seed: seed, standingStatistics: standingStatistics, truncation: truncation,
                                                                      rejection: rejection, log: log)
            print(json ? summary.json : summary.table)
            if record {
                try ManifestEvaluation.record(Data(summary.json.utf8), as: "generate", in: folder)
                log("recorded in \(folder)/manifest.json")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw failure(error)
        }
    }
}

/// `gantool eval colorize`.
struct EvalColorize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colorize",
        abstract: "Measure a colorize model: L1, PSNR, SSIM against the true colours and mean chroma, beside the gray input.",
        discussion: """
            Each photo of --images is centre-cropped square and resized to the model's training size \
            (--size to override); its BT.601 gray version is the input. Rows: the gray input itself, the \
            model, --baseline (e.g. the same U-Net trained with --l1-only), and the real photos (chroma \
            only). L1 is on [0, 1] samples over RGB; chroma is the mean CIELAB sqrt(a*^2 + b*^2) (sRGB, D65). \
            With --baseline the goal line says whether the model's chroma is closer to the photos' than the \
            baseline's at no more than 10% worse L1.

            Examples:
              gantool eval colorize --model faces-colorize --baseline faces-colorize-l1 \\
                  --images ../shared/data/celeba-aligned-subset/test
              gantool eval colorize --model runs/faces/model --images DIR --limit 200 \\
                  --json
              # into the manifest
              gantool eval colorize --model faces-colorize --baseline faces-l1 \\
                  --images DIR --record
            """)

    @Option(help: "The colorize model (folder, or name in the models folder).")
    var model: String

    @Option(help: "A second colorize model to compare with (the L1-only baseline).")
    var baseline: String?

    @Option(help: ArgumentHelp("Folder of test photos.", valueName: "dir"))
    var images: String

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Option(help: "Use only the first N photos (sorted).")
    var limit: Int?

    @Option(help: "Side the photos are measured at (default: the model's training size).")
    var size: Int?

    @Flag(help: "Print the results as JSON on stdout.")
    var json = false

    @Flag(help: "Record the results in the model folder's manifest.json (evaluation.colorize).")
    var record = false

    @Flag(help: "Measure the networks' raw outputs (by default they get the input's luminance, as 'gantool generate' gives them).")
    var rawOutput = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        if let size, size < 16 { throw ValidationError("--size must be at least 16") }
    }

    func run() throws {
        do {
            let ours = try ImageConditionalModels.load(model, models: models)
            let other = try baseline.map { try ImageConditionalModels.load($0, models: models) }
            let result = try ColorizeEvaluation.run(model: ours, baseline: other, directory: images, limit: limit, size: size,
                                                 rawOutput: rawOutput, progress: log)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = try encoder.encode(result)
            print(json ? String(decoding: report, as: UTF8.self) : result.table)
            if record {
                try ManifestEvaluation.record(report, as: "colorize", in: ours.folder)
                log("recorded in \(ours.folder)/manifest.json")
            }
        } catch {
            throw failure(error)
        }
    }
}
