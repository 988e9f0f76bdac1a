import ArgumentParser
import Foundation
import GANKit

/// `gantool eval inpaint`.
struct EvalInpaint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Measure inpainting: L1, PSNR, SSIM inside the hole per hole-ratio bucket, GAN vs Telea vs OpenCV.",
        discussion: """
            Every photo of --images (sorted; --limit N takes the first N) is used at its native size. Photo k gets \
            mask k of each of four buckets (10-20%, 20-30%, 30-40%, 40-50% holes): seeded free-form masks, a pure \
            function of (--seed, bucket, k, photo size). The hole is painted white before a method sees the photo; \
            L1, PSNR and SSIM (HoleMetrics) are measured inside the hole against the photo and averaged per bucket. \
            Rows: the GAN (--model; without it, Telea alone), GANKit Telea (--radius), and the OpenCV TELEA and NS \
            rows of --opencv FILE, which tools/opencv_inpaint_baseline.py --masks DIR writes from the masks that \
            --masks-out DIR saved (DIR/<bucket>/<photo>.png, white = hole, and DIR/metrics.json, the per-photo numbers \
            the script cross-checks its metrics against). With the GAN and OpenCV rows, the goal line says whether the \
            GAN beats both OpenCV methods on L1 and SSIM in every bucket.

            --examples DIR runs on inpaint-examples instead (SET/images + SET/masks, white = hole): their holes are \
            pre-painted white, so there is no ground truth; it checks sizes and known pixels per set and writes the \
            fills to --examples-out DIR.

            Examples:
              gantool eval inpaint --model faces-inpaint \\
                  --images ../shared/data/celeba-aligned-subset/test \\
                  --masks-out /tmp/eval-masks
              python3 tools/opencv_inpaint_baseline.py --masks /tmp/eval-masks \\
                  --images ../shared/data/celeba-aligned-subset/test -o /tmp/opencv.json
              gantool eval inpaint --model faces-inpaint \\
                  --images ../shared/data/celeba-aligned-subset/test \\
                  --opencv /tmp/opencv.json --record
              gantool eval inpaint --model faces-inpaint \\
                  --examples ../shared/data/inpaint-examples --examples-out /tmp/fills
            """)

    @Option(help: ArgumentHelp("The inpainting model (name in the models folder, or folder). Without it: Telea only.", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Option(help: ArgumentHelp("Folder of held-out photos.", valueName: "dir"))
    var images: String?

    @Option(help: "Use only the first N photos (sorted).")
    var limit: Int?

    @Option(help: "Seed of the masks.")
    var seed: UInt64 = 1

    @Option(help: "Telea's neighbourhood radius, 1-100 (the OpenCV script uses the same).")
    var radius = 5

    @Option(help: ArgumentHelp("Write the masks (DIR/<bucket>/<photo>.png) and per-photo metrics (DIR/metrics.json).", valueName: "dir"))
    var masksOut: String?

    @Option(help: ArgumentHelp("Merge the rows tools/opencv_inpaint_baseline.py wrote for this run's masks.", valueName: "file.json"))
    var opencv: String?

    @Option(help: ArgumentHelp("Run on inpaint-examples (SET/images, SET/masks) instead of --images.", valueName: "dir"))
    var examples: String?

    @Option(help: ArgumentHelp("With --examples: write the fills to DIR/<method>/<set>/<name>.png.", valueName: "dir"))
    var examplesOut: String?

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Flag(help: "Record the report in the model folder's manifest.json (evaluation.inpaint).")
    var record = false

    func validate() throws {
        if (images == nil) == (examples == nil) { throw ValidationError("give --images DIR (held-out photos) or --examples DIR") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        guard (1...100).contains(radius) else { throw ValidationError("--radius must be 1...100, got \(radius)") }
        if record && model == nil { throw ValidationError("--record writes into the model's manifest: give --model") }
        if examples != nil && (opencv != nil || masksOut != nil) { throw ValidationError("--opencv and --masks-out go with --images") }
    }

    func run() throws {
        do {
            let gan = try model.map { try Inpainter(modelNamed: $0, models: models) }
            let report: Data, table: String
            if let examples {
                let result = try InpaintEvaluation.examples(gan: gan, directory: examples, radius: radius, output: examplesOut, progress: log)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                (report, table) = (try encoder.encode(result), result.table)
            } else {
                var result = try InpaintEvaluation.run(gan: gan, directory: images!, limit: limit, seed: seed, radius: radius,
                                                       masksOut: masksOut, progress: log)
                if let opencv { try InpaintEvaluation.merge(openCV: opencv, into: &result) }
                (report, table) = (result.json, result.table)
            }
            print(json ? String(decoding: report, as: UTF8.self) : table)
            if record, let folder = gan?.modelFolder {
                try ManifestEvaluation.record(report, as: examples == nil ? "inpaint" : "inpaintExamples", in: folder)
                log("recorded in \(folder)/manifest.json")
            }
        } catch {
            throw failure(error)
        }
    }
}
