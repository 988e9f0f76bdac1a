/// The file formats GANKit reads and writes, recognised by content, not by file name.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    /// PNG: lossless, 8 or 16 bits, optional alpha.
    case png
    /// JPEG: lossy, 8 bits, no alpha.
    case jpeg

    /// "PNG" or "JPEG".
    public var displayName: String { rawValue.uppercased() }

    /// The usual file extension, without the dot.
    public var fileExtension: String { self == .png ? "png" : "jpg" }

    /// The format whose signature starts `bytes`, or nil: PNG by its 8-byte signature,
    /// JPEG by its SOI marker followed by another marker.
    public static func detect<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat? where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        return nil
    }

    /// The format a file name asks for by its extension (`.png`, `.jpg`, `.jpeg`), or nil.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg", "jpe", "jfif": self = .jpeg
        default: return nil
        }
    }
}

/// Limits and choices for decoding.
public struct DecodeOptions: Sendable, Equatable {
    /// Images whose declared width x height exceed this are refused before any large allocation.
    public var maxPixels: Int = 100_000_000
    /// A progressive JPEG with more scans than this is refused (guards against decode bombs).
    public var maxProgressiveScans: Int = 1000
    /// Whether EXIF orientation (JPEG APP1, PNG eXIf) is applied so that the image stands upright.
    public var appliesOrientation: Bool = true

    /// The defaults: 100 megapixels, 1000 scans, orientation applied.
    public init() {}

    /// Options with the given limits.
    public init(maxPixels: Int = 100_000_000, maxProgressiveScans: Int = 1000, appliesOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.maxProgressiveScans = maxProgressiveScans
        self.appliesOrientation = appliesOrientation
    }
}
