/// How the channels of one pixel are laid out, interleaved, in an ``Image``.
public enum ChannelLayout: String, Sendable, CaseIterable, Codable {
    /// One luminance channel.
    case gray
    /// Luminance, then alpha.
    case grayAlpha
    /// Red, green, blue.
    case rgb
    /// Red, green, blue, then alpha.
    case rgba

    /// Channels per pixel, alpha included.
    public var channelCount: Int {
        switch self {
        case .gray: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    /// Channels per pixel without alpha: 1 for gray layouts, 3 for colour.
    public var colorChannelCount: Int { self == .gray || self == .grayAlpha ? 1 : 3 }

    /// Whether the last channel is alpha.
    public var hasAlpha: Bool { self == .grayAlpha || self == .rgba }

    /// The layout with the same colour channels and the given alpha.
    public func withAlpha(_ alpha: Bool) -> ChannelLayout {
        switch (colorChannelCount, alpha) {
        case (1, false): .gray
        case (1, true): .grayAlpha
        case (_, false): .rgb
        case (_, true): .rgba
        }
    }

    /// The layout for a number of channels, 1 to 4.
    public init?(channelCount: Int) {
        switch channelCount {
        case 1: self = .gray
        case 2: self = .grayAlpha
        case 3: self = .rgb
        case 4: self = .rgba
        default: return nil
        }
    }
}

/// The range of one sample: 8-bit (0...255) or 16-bit (0...65535).
public enum SampleType: String, Sendable, CaseIterable, Codable {
    /// Samples in 0...255.
    case uint8
    /// Samples in 0...65535.
    case uint16

    /// Bits per sample: 8 or 16.
    public var bitDepth: Int { self == .uint8 ? 8 : 16 }

    /// The largest sample value: 255 or 65535.
    public var maxValue: Int { self == .uint8 ? 255 : 65535 }
}

/// A decoded raster image: `width` x `height` pixels of interleaved samples, row-major, top row
/// first, in a stated ``ChannelLayout`` and ``SampleType``.
///
/// Samples are stored as `UInt16` whatever the sample type; an 8-bit image keeps them in 0...255.
/// `Image` is a value type: copies are independent, and it is safe to share across threads.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// How channels are laid out in each pixel.
    public let layout: ChannelLayout
    /// The range of each sample.
    public let sampleType: SampleType
    /// All samples, `height` rows of `width * layout.channelCount` values.
    public private(set) var samples: [UInt16]

    /// Creates an image from its samples; the sample count must match the size and layout, and
    /// every sample must fit the sample type.
    public init(width: Int, height: Int, layout: ChannelLayout, sampleType: SampleType = .uint8,
                samples: [UInt16]) throws(ImageIOError) {
        guard width > 0, height > 0 else {
            throw .invalidArgument("an image needs a positive size, got \(width)x\(height)")
        }
        guard samples.count == width * height * layout.channelCount else {
            throw .invalidArgument("\(width)x\(height) \(layout) needs \(width * height * layout.channelCount) samples, got \(samples.count)")
        }
        if sampleType == .uint8, let high = samples.first(where: { $0 > 255 }) {
            throw .invalidArgument("sample \(high) does not fit an 8-bit image")
        }
        self.init(unchecked: width, height: height, layout: layout, sampleType: sampleType, samples: samples)
    }

    /// Creates an image filled with one value in every sample.
    public init(width: Int, height: Int, layout: ChannelLayout, sampleType: SampleType = .uint8,
                filledWith value: UInt16 = 0) throws(ImageIOError) {
        try self.init(width: width, height: height, layout: layout, sampleType: sampleType,
                      samples: [UInt16](repeating: value, count: max(0, width * height * layout.channelCount)))
    }

    init(unchecked width: Int, height: Int, layout: ChannelLayout, sampleType: SampleType, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.layout = layout
        self.sampleType = sampleType
        self.samples = samples
    }

    /// Channels per pixel.
    public var channelCount: Int { layout.channelCount }

    /// Reads or writes one sample.
    public subscript(x x: Int, y y: Int, channel channel: Int) -> UInt16 {
        get { samples[(y * width + x) * layout.channelCount + channel] }
        set {
            precondition(sampleType == .uint16 || newValue <= 255, "sample \(newValue) does not fit an 8-bit image")
            samples[(y * width + x) * layout.channelCount + channel] = newValue
        }
    }

    /// The same pixels as 8-bit samples (16-bit values are rounded: v * 255 / 65535).
    public func converted(to type: SampleType) -> Image {
        if type == sampleType { return self }
        let converted: [UInt16] = type == .uint8
            ? samples.map { UInt16((UInt32($0) * 255 + 32767) / 65535) }
            : samples.map { $0 * 257 }
        return Image(unchecked: width, height: height, layout: layout, sampleType: type, samples: converted)
    }

    /// The same pixels in another layout: gray is replicated to RGB, RGB becomes gray by
    /// ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded), added alpha is opaque,
    /// dropped alpha is discarded.
    public func converted(to target: ChannelLayout) -> Image {
        if target == layout { return self }
        let inChannels = layout.channelCount, outChannels = target.channelCount
        let opaque = UInt16(sampleType.maxValue)
        var out = [UInt16](repeating: 0, count: width * height * outChannels)
        for p in 0..<(width * height) {
            let i = p * inChannels, o = p * outChannels
            if target.colorChannelCount == layout.colorChannelCount {
                for c in 0..<target.colorChannelCount { out[o + c] = samples[i + c] }
            } else if target.colorChannelCount == 3 {
                out[o] = samples[i]; out[o + 1] = samples[i]; out[o + 2] = samples[i]
            } else {
                let luma = 299 * Int(samples[i]) + 587 * Int(samples[i + 1]) + 114 * Int(samples[i + 2])
                out[o] = UInt16((luma + 500) / 1000)
            }
            if target.hasAlpha {
                out[o + outChannels - 1] = layout.hasAlpha ? samples[i + inChannels - 1] : opaque
            }
        }
        return Image(unchecked: width, height: height, layout: target, sampleType: sampleType, samples: out)
    }
}
