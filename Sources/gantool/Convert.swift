import ArgumentParser
import GANKit

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode images, optionally resize them, and encode them as PNG or JPEG.",
        discussion: """
            The input format is read from the content, not the name. EXIF orientation is \
            applied. JPEG output drops alpha and stores 8 bits; PNG keeps the layout and bit depth.

            Examples:
              gantool convert photo.jpg -o photo.png
              gantool convert photos/ -o thumbs/ --resize 256x --format jpg --quality 85
              gantool convert 'shots/*.png' -o out/ --shard 1/2 --json
            """)

    @Argument(help: "Image files, folders or glob patterns.")
    var inputs: [String]

    @Option(name: .short, help: ArgumentHelp("Output folder, or output file for a single input.", valueName: "dir|file"))
    var output: String

    @Option(help: "Output format: png or jpg (default: from -o's extension, else the input's).")
    var format: ImageFormat?

    @Option(help: ArgumentHelp("Resize to WxH; Wx or xH keeps the aspect ratio.", valueName: "WxH"))
    var resize: String?

    @Option(help: "Filter for enlarging: bilinear or bicubic (shrinking always averages areas).")
    var filter: ResizeFilter = .bicubic

    @Option(help: "JPEG quality, 1-100.")
    var quality = 92

    @OptionGroup var batch: BatchFlags

    func validate() throws {
        if let resize, ResizeSpec(resize) == nil { throw ValidationError("--resize takes WxH, Wx or xH with positive numbers, got '\(resize)'") }
        if let resize, let spec = ResizeSpec(resize), spec.exceedsLimit {
            throw ValidationError("--resize \(resize) is more than \(ResizeSpec.maximumPixels / 1_000_000) megapixels (the limit)")
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100, got \(quality)") }
    }

    func run() throws {
        let (inputs, problems) = BatchInputs.expand(self.inputs, recursive: batch.recursive)
        let plan = try OutputPlan.forCommandLine(output, inputCount: inputs.count + problems.count)
        let conversion = ImageConversion(format: format, resize: resize.flatMap(ResizeSpec.init), filter: filter, quality: quality)
        let summary = BatchRunner(options: try batch.options(), verb: "converted").run(
            inputs: inputs, problems: problems, output: { plan.path(for: $0, format: format) },
            job: { input, target in try conversion.run(input: input.path, output: target!) })
        try batch.finish(summary)
    }
}
