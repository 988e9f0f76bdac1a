import Foundation
import GANConditional
import GANCore

/// Runs a pix2pix model over image files for `gantool generate --from`: any size in, the same size out (large images
/// tiled), alpha kept. Safe to share between threads (calls are serialised, the network is not synchronised).
public final class ImageConditionalJob: @unchecked Sendable {
    private let translator: Pix2PixTranslator
    private let lock = NSLock()
    /// Output format (nil: from the output path's extension, else PNG).
    public let format: ImageFormat?
    /// JPEG quality.
    public let quality: Int
    /// The convolution arithmetic (bf16: bfloat16 operands on CPUs with AVX512_BF16); nil: `InferencePrecision.current`
    /// of the calling task.
    public let precision: InferencePrecision?

    /// A job over a loaded model.
    public init(model: Pix2PixModel, tileSize: Int = 512, format: ImageFormat? = nil, quality: Int = 92,
                precision: InferencePrecision? = nil) {
        translator = Pix2PixTranslator(model: model, tileSize: tileSize, overlap: min(64, tileSize / 4))
        (self.format, self.quality, self.precision) = (format, quality, precision)
    }

    /// The model's manifest.
    public var manifest: Pix2PixManifest { translator.model.manifest }

    /// Translates one image.
    /// - Throws: `PairedDataError` or `ImageIOError`.
    public func translate(_ image: Image) throws -> Image {
        try lock.withLock {
            try InferencePrecision.$current.withValue(precision ?? InferencePrecision.current) { try translator.translate(image) }
        }
    }

    /// Reads `input`, translates it, writes `output` atomically.
    /// - Throws: `ImageIOError` naming the file, or `PairedDataError`.
    public func run(input: String, output: String) throws {
        let result = try translate(try Image(contentsOf: input))
        try OutputPlan.prepareFolder(for: output)
        let chosen = format ?? ImageFormat(fileExtension: PathName(output).pathExtension) ?? .png
        try result.write(to: output, format: chosen, quality: quality)
    }
}
