/// Everything that can go wrong reading, writing or transforming an image. Each case names the
/// file (or `<memory>` for bytes) and the problem, so that a batch can report it and move on.
public enum ImageIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a folder, no permission...).
    case cannotRead(path: String, reason: String)
    /// The file is empty.
    case emptyFile(source: String)
    /// The bytes are neither PNG nor JPEG.
    case unrecognizedFormat(source: String)
    /// The file claims to be PNG or JPEG but its data is damaged or truncated.
    case corrupt(source: String, format: ImageFormat, detail: String)
    /// A valid file that uses a feature GANKit does not decode (12-bit or lossless JPEG...).
    case unsupported(source: String, format: ImageFormat, detail: String)
    /// The declared size is over the decoder's pixel limit; nothing large was allocated.
    case tooLarge(source: String, width: Int, height: Int, limit: Int)
    /// The image cannot be encoded as asked.
    case cannotEncode(format: ImageFormat, detail: String)
    /// The output could not be written; no partial file is left behind.
    case cannotWrite(path: String, reason: String)
    /// A mask's size differs from its image's.
    case maskSizeMismatch(mask: String, maskWidth: Int, maskHeight: Int, imageWidth: Int, imageHeight: Int)
    /// An argument is out of range (a zero size, a crop outside the image...).
    case invalidArgument(String)

    /// A one-line message that names the file and the problem.
    public var description: String {
        switch self {
        case let .cannotRead(path, reason): "\(path): cannot read: \(reason)"
        case let .emptyFile(source): "\(source): empty file"
        case let .unrecognizedFormat(source): "\(source): not a PNG or JPEG image (unrecognized content)"
        case let .corrupt(source, format, detail): "\(source): corrupt \(format.displayName): \(detail)"
        case let .unsupported(source, format, detail): "\(source): unsupported \(format.displayName): \(detail)"
        case let .tooLarge(source, width, height, limit):
            "\(source): image is \(width)x\(height) (\(width * height) pixels), over the limit of \(limit) pixels"
        case let .cannotEncode(format, detail): "cannot encode \(format.displayName): \(detail)"
        case let .cannotWrite(path, reason): "\(path): cannot write: \(reason)"
        case let .maskSizeMismatch(mask, mw, mh, iw, ih):
            "\(mask): mask is \(mw)x\(mh) but the image is \(iw)x\(ih)"
        case let .invalidArgument(detail): detail
        }
    }
}

/// The text of a NUL-terminated C message buffer.
func messageText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
