import Foundation

/// A target size for ``ImageConversion``: both sides, or one side with the other following
/// the aspect ratio ("256x256", "256x", "x256").
public struct ResizeSpec: Sendable, Equatable {
    /// Target width, or nil to follow the aspect ratio.
    public var width: Int?
    /// Target height, or nil to follow the aspect ratio.
    public var height: Int?

    /// The largest output a resize may make, in pixels: 100 megapixels, the decoder's own limit
    /// (`DecodeOptions.maxPixels`); a larger request is refused before anything is allocated.
    public static let maximumPixels = 100_000_000

    /// Whether both sides are given and their product is over `maximumPixels` (known before any image is read).
    public var exceedsLimit: Bool {
        guard let width, let height else { return false }
        return width.multipliedReportingOverflow(by: height).overflow || width * height > Self.maximumPixels
    }

    /// Parses "WxH", "Wx" or "xH" with positive numbers.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let w = parts[0].isEmpty ? nil : Int(parts[0]), h = parts[1].isEmpty ? nil : Int(parts[1])
        guard w != nil || h != nil, (parts[0].isEmpty || (w ?? 0) > 0), (parts[1].isEmpty || (h ?? 0) > 0) else { return nil }
        width = w; height = h
    }

    /// The size for an image of `width` x `height` (a free side keeps the aspect, at least 1).
    public func size(forWidth w: Int, height h: Int) -> (width: Int, height: Int) {
        switch (width, height) {
        case let (tw?, th?): return (tw, th)
        case let (tw?, nil): return (tw, max(1, Int((Double(h) * Double(tw) / Double(w)).rounded())))
        case let (nil, th?): return (max(1, Int((Double(w) * Double(th) / Double(h)).rounded())), th)
        default: return (w, h)
        }
    }
}

/// Decode, optionally resize, encode: what `gantool convert` does to each file.
public struct ImageConversion: Sendable {
    /// Output format; nil keeps the input's.
    public var format: ImageFormat?
    /// Target size; nil keeps the size.
    public var resize: ResizeSpec?
    /// Filter used where the image is enlarged.
    public var filter: ResizeFilter = .bicubic
    /// JPEG quality, 1-100.
    public var quality: Int = 92

    /// A conversion with the given choices.
    public init(format: ImageFormat? = nil, resize: ResizeSpec? = nil, filter: ResizeFilter = .bicubic, quality: Int = 92) {
        self.format = format; self.resize = resize; self.filter = filter; self.quality = quality
    }

    /// Converts the file at `input` and writes it atomically to `output`. The output format is
    /// `format`, else the one `output`'s extension names, else the input's.
    public func run(input: String, output: String) throws {
        let bytes = try FileAccess.readAll(input)
        var image = try Image(bytes: bytes, source: input)
        if let resize {
            let size = resize.size(forWidth: image.width, height: image.height)
            let (pixels, overflow) = size.width.multipliedReportingOverflow(by: size.height)
            guard !overflow && pixels <= ResizeSpec.maximumPixels else {
                throw GANKitError.invalidArgument("\(input): resizing to \(size.width)x\(size.height) would make more than "
                    + "\(ResizeSpec.maximumPixels / 1_000_000) megapixels (the limit)")
            }
            image = try image.resized(width: size.width, height: size.height, filter: filter)
        }
        let chosen = format ?? ImageFormat(fileExtension: PathName(output).pathExtension) ?? ImageFormat.detect(bytes) ?? .png
        try OutputPlan.prepareFolder(for: output)
        try FileAccess.writeAtomically(image.encoded(as: chosen, quality: quality), to: output)
    }
}
