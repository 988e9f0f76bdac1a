import Foundation
import GANTranslation

/// Translates one file into another with a loaded generator: any size, alpha kept, 16-bit kept (PNG), output
/// format from `format`, else the output's extension, else the input's.
public struct TranslationJob: @unchecked Sendable {
    /// The translator (network, tiling).
    public let translator: Translator
    /// Output format override.
    public var format: ImageFormat?
    /// JPEG quality.
    public var quality: Int
    /// When set, images whose longer side exceeds it are first shrunk (aspect kept) so that it equals this.
    public var maxSide: Int?

    /// A job for the generator of `model` that translates into `domain`.
    public init(model: TranslationModel, generator: String, tileSize: Int = 384, overlap: Int = 64,
                format: ImageFormat? = nil, quality: Int = 92, precision: InferencePrecision = .float32) throws {
        translator = Translator(generator: try model.loadGenerator(generator), tileSize: tileSize, overlap: overlap,
                                precision: precision)
        (self.format, self.quality) = (format, quality)
    }

    /// Reads `input`, translates it and writes `output` atomically.
    public func run(input: String, output: String) throws {
        let bytes = try FileAccess.readAll(input)
        var image = try Image(bytes: bytes, source: input)
        if let maxSide, max(image.width, image.height) > maxSide {
            let scale = Double(maxSide) / Double(max(image.width, image.height))
            image = try image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                                      height: max(1, Int((Double(image.height) * scale).rounded())), filter: .bicubic)
        }
        let translated = try translator.translate(image)
        let chosen = format ?? ImageFormat(fileExtension: PathName(output).pathExtension) ?? ImageFormat.detect(bytes) ?? .png
        try OutputPlan.prepareFolder(for: output)
        try FileAccess.writeAtomically(translated.encoded(as: chosen, quality: quality), to: output)
    }
}
