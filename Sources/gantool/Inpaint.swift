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

            Method: telea (fast marching, Telea 2004, the default) needs no model; it fills smoothly \
            from the hole's edge and suits thin or small holes. gan runs a trained inpainting model \
            (gantool train inpaint, gantool export): --model NAME picks it by name in --models DIR, \
            $GANKIT_MODELS or the Models/ folder of GANKit (or by path: a model, run or checkpoint \
            folder) and implies --method gan; --method gan alone takes the only inpainting model there. \
            The network runs on a window around each hole (context margin max(64, half the hole's \
            side)); windows over --window-cap pixels a side are shrunk to it, and the fill is scaled \
            back and used inside the hole only.

            Examples:
              gantool inpaint photo.jpg mask.png -o filled.jpg
              gantool inpaint photos/ --masks masks/ -o filled/ --radius 7 --json
              gantool inpaint cutouts/ --mask-from-alpha -o filled/ --format png
              gantool inpaint photos/ --masks masks/ --model faces-inpaint -o filled/
              gantool inpaint photos/ --masks masks/ --model faces-inpaint \\
                  --precision bf16 -o filled/
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

    @Option(help: "Inpainting method: telea (default) or gan (--model implies gan).")
    var method: Inpainter.Method?

    @Option(help: ArgumentHelp("The inpainting model (name in the models folder, or folder); implies --method gan.", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("Folder of models.", valueName: "dir"))
    var models: String?

    @Option(help: "gan: longest side, in pixels, of a window the network sees; larger windows are shrunk to it.")
    var windowCap = 512

    @Option(help: "Neighbourhood radius of telea in pixels, 1-100.")
    var radius = 5

    @Option(name: .short, help: ArgumentHelp("Output folder, or output file for a single input.", valueName: "dir|file"))
    var output: String?

    @Option(help: "Output format: png or jpg (default: from -o's extension, else the input's).")
    var format: ImageFormat?

    @Option(help: "JPEG quality, 1-100.")
    var quality = 92

    @Flag(help: "A mask without a hole is an error (default: the image has nothing to fill and is copied unchanged).")
    var failOnEmptyMask = false

    @OptionGroup var arithmetic: PrecisionFlag

    @OptionGroup var batch: BatchFlags

    func validate() throws {
        if maskFromAlpha && masks != nil { throw ValidationError("--mask-from-alpha and --masks exclude each other") }
        if !maskFromAlpha && masks == nil && inputs.count != 2 {
            throw ValidationError("give IMAGE MASK, or images with --masks DIR or --mask-from-alpha (got \(inputs.count) arguments)")
        }
        guard (1...255).contains(threshold) else { throw ValidationError("--threshold must be 1...255, got \(threshold)") }
        guard (1...100).contains(radius) else { throw ValidationError("--radius must be 1...100, got \(radius)") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100, got \(quality)") }
        if model != nil && method == .telea { throw ValidationError("--model runs the gan method; drop --method telea or --model") }
        guard windowCap >= 16 else { throw ValidationError("--window-cap must be at least 16, got \(windowCap)") }
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
                let inside = PathName(masks).standardized + "/"
                images = images.filter { !PathName($0.path).standardized.hasPrefix(inside) }
                source = { .file(try pairing.mask(for: $0)) }
            } else {
                source = { _ in .file(masks) }
            }
        }
        let plan: OutputPlan
        if let output {
            plan = try OutputPlan.forCommandLine(output, inputCount: images.count + problems.count)
        } else if single, images.count == 1, problems.isEmpty, let image = images.first {
            let stem = PathName(image.path).deletingExtension
            let ext = format?.fileExtension ?? PathName(image.path).pathExtension
            plan = .file(stem + "-inpainted" + (ext.isEmpty ? "" : "." + ext))
        } else {
            plan = .folder("inpainted")
        }
        let inpainter: Inpainter
        if model != nil || method == .gan {
            do {
                var gan = try Inpainter(modelNamed: model, models: models, plan: InpaintingWindowPlan(cap: windowCap))
                gan.precision = arithmetic.precision
                inpainter = gan
            } catch {
                throw failure(error)
            }
        } else {
            inpainter = Inpainter(method: .telea, radius: radius)
        }
        let job = InpaintJob(inpainter: inpainter, threshold: UInt8(threshold),
                             invertMask: invertMask, format: format, quality: quality, emptyMaskIsError: failOnEmptyMask)
        let quiet = batch.quiet
        let summary = BatchRunner(options: try batch.options(), verb: "inpainted").run(
            inputs: images, problems: problems, output: { plan.path(for: $0, format: format) },
            job: { input, target in
                if try job.run(image: input.path, mask: source(input), output: target!) == .copiedUnchanged, !quiet {
                    FileHandle.standardError.write(Data("note: \(input.path): its mask has no hole; copied unchanged to \(target!)\n".utf8))
                }
            })
        try batch.finish(summary)
    }
}

extension Inpainter.Method: ExpressibleByArgument {}
