import ArgumentParser
import Foundation
import GANKit

struct Inpaint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the holes of images given by masks (white = fill).",
        discussion: """
            Give IMAGE MASK for one pair; or images (files, folders, patterns) with --masks DIR, \
            which pairs each image with the mask of the same name (a/b.jpg with a/b.png), or with \
            --masks FILE, one mask for all; or images with --mask-from-alpha (transparent = fill; \
            filled pixels become opaque). Pixels outside the mask are kept bit for bit (a JPEG \
            output re-encodes them all: use PNG to keep them exactly); outputs have the input's \
            size and, unless --format or -o's extension says otherwise, its format. Without -o, a single image is written beside itself as NAME-inpainted.EXT, a \
            batch into ./inpainted/.

            Method: telea (fast marching, Telea 2004) needs no model; it fills smoothly from the \
            hole's edge and suits thin or small holes.

            Examples:
              gantool inpaint photo.jpg mask.png -o filled.jpg
              gantool inpaint photos/ --masks masks/ -o filled/ --radius 7 --json
              gantool inpaint cutouts/ --mask-from-alpha -o filled/ --format png
            """)

    @Argument(help: ArgumentHelp("IMAGE MASK, or images (files, folders, patterns) with --masks or --mask-from-alpha.", valueName: "inputs"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Folder of masks named as the images, or one mask file for all.", valueName: "dir|file"))
    var masks: String?

    @Flag(help: "Take the mask from each image's alpha channel: transparent pixels are filled.")
    var maskFromAlpha = false

    @Flag(help: "Black marks the hole instead of white (with --mask-from-alpha: opaque pixels are filled).")
    var invertMask = false

    @Option(help: "Mask pixels whose 8-bit gray level is at least this are holes (alpha: below this), 1-255.")
    var threshold = 128

    @Option(help: "Inpainting method: telea.")
    var method: Inpainter.Method = .telea

    @Option(help: "Neighbourhood radius of telea in pixels, 1-100.")
    var radius = 5

    @Option(name: .short, help: ArgumentHelp("Output folder, or output file for a single input.", valueName: "dir|file"))
    var output: String?

    @Option(help: "Output format: png or jpg (default: from -o's extension, else the input's).")
    var format: ImageFormat?

    @Option(help: "JPEG quality, 1-100.")
    var quality = 92

    @OptionGroup var batch: BatchFlags

    func validate() throws {
        if maskFromAlpha && masks != nil { throw ValidationError("--mask-from-alpha and --masks exclude each other") }
        if !maskFromAlpha && masks == nil && inputs.count != 2 {
            throw ValidationError("give IMAGE MASK, or images with --masks DIR or --mask-from-alpha (got \(inputs.count) arguments)")
        }
        guard (1...255).contains(threshold) else { throw ValidationError("--threshold must be 1...255, got \(threshold)") }
        guard (1...100).contains(radius) else { throw ValidationError("--radius must be 1...100, got \(radius)") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100, got \(quality)") }
    }

    func run() throws {
        let single = !maskFromAlpha && masks == nil
        var (images, problems) = BatchInputs.expand(single ? [inputs[0]] : inputs, recursive: batch.recursive)
        // The mask source of each image.
        var source: (BatchInput) throws -> MaskSource = { _ in .alpha }
        if single {
            let mask = inputs[1]
            source = { _ in .file(mask) }
        } else if let masks {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: masks, isDirectory: &isFolder), isFolder.boolValue {
                let pairing = MaskPairing(folder: masks)
                let inside = (masks as NSString).standardizingPath + "/"
                images = images.filter { !($0.path as NSString).standardizingPath.hasPrefix(inside) }
                source = { .file(try pairing.mask(for: $0)) }
            } else {
                source = { _ in .file(masks) }
            }
        }
        let plan: OutputPlan
        if let output {
            plan = try OutputPlan(output, inputCount: images.count + problems.count)
        } else if single, images.count == 1, problems.isEmpty, let image = images.first {
            let stem = (image.path as NSString).deletingPathExtension
            let ext = format?.fileExtension ?? (image.path as NSString).pathExtension
            plan = .file(stem + "-inpainted" + (ext.isEmpty ? "" : "." + ext))
        } else {
            plan = .folder("inpainted")
        }
        let job = InpaintJob(inpainter: Inpainter(method: method, radius: radius), threshold: UInt8(threshold),
                             invertMask: invertMask, format: format, quality: quality)
        let summary = BatchRunner(options: batch.options, verb: "inpainted").run(
            inputs: images, problems: problems, output: { plan.path(for: $0, format: format) },
            job: { input, target in try job.run(image: input.path, mask: source(input), output: target!) })
        try batch.finish(summary)
    }
}

extension Inpainter.Method: ExpressibleByArgument {}
