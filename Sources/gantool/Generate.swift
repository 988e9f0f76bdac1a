import ArgumentParser
import Foundation
import GANKit

/// `gantool generate`: samples from a trained conditional GAN.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate images from a conditional GAN: of a class (cgan), or from an input image (pix2pix).",
        discussion: """
            Label-conditional: reads a label-GAN model (a name in --models, $GANKIT_MODELS or GANKit's \
            Models/, or a folder: a model or a 'gantool train cgan' checkpoint) and writes a PNG grid (-o \
            ending in .png) or a folder of one PNG per sample, named <label>-<index>.png. The same --seed \
            gives the same images. --labels all writes one row per class.

            Image-conditional (--from): --model names a pix2pix model folder (a path, or a name in --models, \
            $GANKIT_MODELS or the Models/ folder shipped with GANKit). Each input, of any size, gives an \
            output of the same size (reflect-padded to the U-Net's multiple, tiled above --tile-size); \
            colorize models take any photo (it is turned gray first), edges models any photo (its Canny \
            edges are taken first). Files, folders (-r) and globs; -o is a file for one input, else a folder.

            Examples:
              gantool generate --model faces-colorize --from old.png -o colour.png
              gantool generate --model runs/faces/model --from photos/ -o coloured/ --json
              gantool generate --model faces-colorize --from photos/ -o coloured/ \\
                  --precision bf16

              gantool generate --model mnist-cgan --label 7 --count 16 --seed 1 \\
                  -o sevens.png
              # 0-00.png ... 9-99.png
              gantool generate --model mnist-cgan --labels all --count 100 -o digits/
              gantool generate --model runs/mnist --labels all --count 8 \\
                  --truncation 1.5 -o all.png
              gantool generate --model runs/mnist --label 3 --count 10 --interpolate \\
                  -o walk.png
            """)

    @Option(help: "Model name in the models folder, model folder, or cgan checkpoint folder; with --from a pix2pix model.")
    var model: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Input images (files, folders, globs) for a pix2pix model.", valueName: "input"))
    var from: [String] = []

    @Option(help: ArgumentHelp("Folder of models (default: $GANKIT_MODELS, else GANKit's Models/).", valueName: "dir"))
    var models: String?

    @Option(help: "With --from: largest side run in one piece; larger images are tiled.")
    var tileSize = 512

    @Option(help: "With --from: output format png or jpg (default: from -o's extension, else the input's).")
    var format: ImageFormat?

    @Option(help: "With --from: JPEG quality, 1-100.")
    var quality = 92

    @OptionGroup var arithmetic: PrecisionFlag

    @OptionGroup var batch: BatchFlags

    @Option(help: "Class label to draw.")
    var label: Int?

    @Option(help: "'all' for one row per class (instead of --label).")
    var labels: String?

    @Option(help: "Number of images (per class with --labels all; steps with --interpolate).")
    var count = 16

    @Option(help: "Redraw latent components beyond +-T (truncation trick).")
    var truncation: Float?

    @Flag(help: "A latent walk from the latent of --seed to that of --seed + 1, in one row.")
    var interpolate = false

    @Option(help: "Seed of the latent vectors.")
    var seed: UInt64 = 0

    @Option(help: "Grid columns (default: about the square root of --count).")
    var columns: Int?

    @Option(name: [.short, .customLong("output")], help: "Output: a .png grid, or a folder of one PNG per sample (<label>-<index>.png); with --from a file for one input, else a folder.")
    var output: String

    func validate() throws {
        if !from.isEmpty {
            if label != nil || labels != nil || interpolate { throw ValidationError("--from does not go with --label, --labels or --interpolate") }
            guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100") }
            guard tileSize >= 64 else { throw ValidationError("--tile-size must be at least 64") }
            return
        }
        guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
        if let columns, columns < 1 { throw ValidationError("--columns must be at least 1, got \(columns)") }
        guard count <= ConditionalGeneration.maximumImages else {
            throw ValidationError("--count \(count) is more than the \(ConditionalGeneration.maximumImages) images one run draws; "
                + "run several times with other --seed values")
        }
        if let labels, labels != "all" { throw ValidationError("--labels takes only 'all'; use --label N for one class") }
        if (label == nil) == (labels == nil) { throw ValidationError("give --label N or --labels all") }
        if interpolate && label == nil { throw ValidationError("--interpolate needs --label N") }
    }

    func run() throws {
        if !from.isEmpty { return try runImageConditional() }
        do {
            try InferencePrecision.$current.withValue(arithmetic.precision) {
                if let label {
                    try ConditionalGeneration.writeGrid(modelDirectory: model, models: models, label: label, count: count, seed: seed, truncation: truncation,
                                                        interpolate: interpolate, columns: columns, to: output)
                } else {
                    try ConditionalGeneration.writeClassGrid(modelDirectory: model, models: models, perClass: count, seed: seed, truncation: truncation, to: output)
                }
            }
            let what = label.map { interpolate ? "a \(count)-step walk in class \($0)" : "\(count) sample\(count == 1 ? "" : "s") of class \($0)" }
                ?? "\(count) sample\(count == 1 ? "" : "s") of every class"
            let kind = PathName(output).pathExtension.lowercased() == "png" ? "grid" : "folder"
            FileHandle.standardError.write(Data("wrote \(kind) \(output): \(what)\n".utf8))
            if batch.json {
                let item = BatchItemResult(input: what, output: output, status: .done, error: nil, seconds: 0)
                try JSONOutput.print(BatchSummary(done: 1, skipped: 0, failed: 0, seconds: 0, items: [item], command: "generate"))
            }
        } catch {
            throw failure(error)
        }
    }

    /// `--from`: translates each input with a pix2pix model.
    func runImageConditional() throws {
        let job: ImageConditionalJob
        do {
            job = ImageConditionalJob(model: try ImageConditionalModels.load(model, models: models), tileSize: tileSize, format: format, quality: quality,
                                      precision: arithmetic.precision)
        } catch {
            throw failure(error)
        }
        let (inputs, problems) = BatchInputs.expand(from, recursive: batch.recursive)
        let plan = try OutputPlan.forCommandLine(output, inputCount: inputs.count + problems.count)
        let summary = BatchRunner(options: try batch.options(), verb: "generated").run(
            inputs: inputs, problems: problems, output: { plan.path(for: $0, format: format) },
            job: { input, target in try job.run(input: input.path, output: target!) })
        try batch.finish(summary)
    }
}
