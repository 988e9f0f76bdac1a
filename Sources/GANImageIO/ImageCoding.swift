#if canImport(Foundation)
import Foundation
#endif

/// What a file's header says, read without decoding its pixels.
public struct ImageInfo: Sendable, Equatable, Codable {
    /// PNG or JPEG.
    public var format: ImageFormat
    /// Width as stored (before orientation).
    public var width: Int
    /// Height as stored (before orientation).
    public var height: Int
    /// Channels as decoded (palette PNGs count as RGB or RGBA; CMYK JPEGs as RGB).
    public var channels: Int
    /// Channels in the file itself (a palette PNG has 1, a CMYK JPEG 4).
    public var storedChannels: Int
    /// Bits per sample as stored: 1, 2, 4, 8 or 16 for PNG; 8 or 12 for JPEG.
    public var bitDepth: Int
    /// EXIF orientation.
    public var orientation: Orientation
    /// A short description of the encoding: "palette", "RGBA", "interlaced", "progressive", "CMYK"...
    public var colorModel: String
    /// Whether the file is Adam7-interlaced (PNG) or progressive (JPEG).
    public var isInterlaced: Bool

    /// Upright size after orientation.
    public var uprightSize: (width: Int, height: Int) { orientation.swapsAxes ? (height, width) : (width, height) }

    /// Reads the header of a file.
    public init(contentsOf path: String) throws(ImageIOError) {
        try self.init(bytes: FileAccess.readAll(path), source: path)
    }

    /// Reads the header of an image held in memory; `source` names it in errors.
    public init(bytes: [UInt8], source: String = "<memory>") throws(ImageIOError) {
        guard !bytes.isEmpty else { throw .emptyFile(source: source) }
        guard let format = ImageFormat.detect(bytes) else { throw .unrecognizedFormat(source: source) }
        self.format = format
        orientation = Orientation.read(from: bytes)
        switch format {
        case .png:
            let h = try PNGCodec.header(bytes, source: source)
            width = Int(h.width); height = Int(h.height); channels = Int(h.channels); bitDepth = Int(h.bit_depth)
            storedChannels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(h.color_type)] ?? channels
            colorModel = [0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"][Int(h.color_type)] ?? "unknown"
            if h.has_trns != 0 { colorModel += "+tRNS" }
            isInterlaced = h.interlaced != 0
        case .jpeg:
            let h = try JPEGCodec.header(bytes, source: source)
            width = Int(h.width); height = Int(h.height); channels = Int(h.channels); bitDepth = Int(h.precision)
            storedChannels = Int(h.components)
            colorModel = [1: "gray", 2: "RGB", 3: "YCbCr", 4: "CMYK", 5: "YCCK"][Int(h.color_space)] ?? "unknown"
            if h.arithmetic != 0 { colorModel += ", arithmetic" }
            isInterlaced = h.progressive != 0
        }
    }
}

extension Image {
    /// Decodes a PNG or JPEG file, recognised by content. EXIF orientation is applied unless
    /// `options` says otherwise. Errors name `path` and what is wrong.
    public init(contentsOf path: String, options: DecodeOptions = DecodeOptions()) throws(ImageIOError) {
        try self.init(bytes: FileAccess.readAll(path), source: path, options: options)
    }

    /// Decodes a PNG or JPEG held in memory; `source` names it in errors.
    public init(bytes: [UInt8], source: String = "<memory>", options: DecodeOptions = DecodeOptions()) throws(ImageIOError) {
        guard !bytes.isEmpty else { throw .emptyFile(source: source) }
        guard let format = ImageFormat.detect(bytes) else { throw .unrecognizedFormat(source: source) }
        let stored = switch format {
        case .png: try PNGCodec.decode(bytes, source: source, options: options)
        case .jpeg: try JPEGCodec.decode(bytes, source: source, options: options)
        }
        self = options.appliesOrientation ? stored.applying(Orientation.read(from: bytes)) : stored
    }

    #if canImport(Foundation)
    /// Decodes a PNG or JPEG held in `Data`.
    public init(data: Data, source: String = "<memory>", options: DecodeOptions = DecodeOptions()) throws(ImageIOError) {
        try self.init(bytes: [UInt8](data), source: source, options: options)
    }
    #endif

    /// Encodes the image. PNG keeps every layout and 8 or 16 bits; JPEG drops alpha and stores
    /// 8 bits at `quality` (1-100), with an EXIF orientation tag when `orientation` is not `.up`.
    public func encoded(as format: ImageFormat, quality: Int = 92, orientation: Orientation = .up) throws(ImageIOError) -> [UInt8] {
        switch format {
        case .png: try PNGCodec.encode(self, compressionLevel: 6)
        case .jpeg: try JPEGCodec.encode(self, quality: quality, app1: orientation == .up ? nil : orientation.exifSegment)
        }
    }

    /// Encodes and writes the image atomically (temporary file, then rename). The format is
    /// `format`, else the one `path`'s extension names.
    public func write(to path: String, format: ImageFormat? = nil, quality: Int = 92) throws(ImageIOError) {
        let ext = path.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
        guard let chosen = format ?? ext.flatMap({ ImageFormat(fileExtension: String($0)) }) else {
            throw .cannotWrite(path: path, reason: "cannot tell the format from the file name; name it .png or .jpg, or give a format")
        }
        try FileAccess.writeAtomically(encoded(as: chosen, quality: quality), to: path)
    }
}
