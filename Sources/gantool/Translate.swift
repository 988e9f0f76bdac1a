import ArgumentParser
import Foundation
import GANKit

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate images into another domain (horses to zebras, cats to dogs...).",
        discussion: """
            --to names the target domain; the model and its direction come from the manifests in the \
            models folder (--models, else $GANKIT_MODELS, else the Models/ folder shipped with GANKit). \
            Each image keeps its size and aspect (large ones run in overlapping tiles), its alpha channel \
            and its bit depth.

            Examples:
              gantool translate cats/ --to dogs -o dogs_out/
              gantool translate photo.jpg --to cats --model cat2dog -o photo_cat.png
              gantool translate 'shots/*.png' --to dogs -o out/ --shard 1/4 \\
                  --skip-existing --json
            """)

    @Argument(help: "Image files, folders or glob patterns.")
    var inputs: [String]

    @Option(help: "The domain to translate into.")
    var to: String

    @Option(help: "The model to use when several know the domain.")
    var model: String?

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Option(name: .short, help: ArgumentHelp("Output folder, or output file for a single input.", valueName: "dir|file"))
    var output: String

    @Option(help: "Output format: png or jpg (default: from -o's extension, else the input's).")
    var format: ImageFormat?

    @Option(help: "JPEG quality, 1-100.")
    var quality = 92

    @Option(help: "Shrink images whose longer side exceeds this first (aspect kept); default: translate at full size.")
    var size: Int?

    @Option(help: "Largest side translated in one piece; larger images are tiled.")
    var tileSize = 384

    @OptionGroup var arithmetic: PrecisionFlag

    @OptionGroup var batch: BatchFlags

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100, got \(quality)") }
        if let size, size < 16 { throw ValidationError("--size must be at least 16") }
        guard tileSize >= 128 else { throw ValidationError("--tile-size must be at least 128") }
    }

    func run() throws {
        let folder = TranslationModels.folder(explicit: models)
        let job: TranslationJob
        do {
            let (found, generator) = try TranslationModels.resolve(to: to, model: model, in: folder)
            var made = try TranslationJob(model: found, generator: generator, tileSize: tileSize, overlap: 64, format: format, quality: quality,
                                          precision: arithmetic.precision)
            made.maxSide = size
            job = made
        } catch {
            throw failure(error)
        }
        let (inputs, problems) = BatchInputs.expand(self.inputs, recursive: batch.recursive)
        let plan = try OutputPlan.forCommandLine(output, inputCount: inputs.count + problems.count)
        let summary = BatchRunner(options: try batch.options(), verb: "translated").run(
            inputs: inputs, problems: problems, output: { plan.path(for: $0, format: format) },
            job: { input, target in try job.run(input: input.path, output: target!) })
        try batch.finish(summary)
    }
}

extension InferencePrecision: ExpressibleByArgument {}

/// `--precision`, for every command that runs a network over images.
struct PrecisionFlag: ParsableArguments {
    @Option(help: "Convolution arithmetic: float32, or bf16 (bfloat16 operands, float32 sums; AVX512_BF16 CPUs, float32 elsewhere).")
    var precision: InferencePrecision = .float32
}
