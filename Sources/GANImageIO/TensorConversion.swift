/// An image's colour channels as planar floats in [-1, 1], NCHW with N = 1: the layout GAN
/// networks take. Alpha is not in here; it travels beside as an ``Image`` (see ``Image/alphaChannel()``).
public struct FloatPlanes: Sendable, Equatable {
    /// Channels: 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Height in pixels.
    public var height: Int
    /// Width in pixels.
    public var width: Int
    /// channels x height x width values, channel-major (plane after plane).
    public var values: [Float]

    /// The NCHW shape: [1, channels, height, width].
    public var shape: [Int] { [1, channels, height, width] }

    /// Planes from values; the count must be channels * height * width.
    public init(channels: Int, height: Int, width: Int, values: [Float]) throws(ImageIOError) {
        guard channels == 1 || channels == 3, height > 0, width > 0, values.count == channels * height * width else {
            throw .invalidArgument("planes of \(channels)x\(height)x\(width) need \(channels * height * width) values, got \(values.count)")
        }
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }
}

extension Image {
    /// The colour channels as floats: v / max * 2 - 1, so 0 -> -1 and max -> 1.
    public func colorPlanes() -> FloatPlanes {
        let c = channelCount, planes = layout.colorChannelCount, n = width * height
        let scale = 2 / Float(sampleType.maxValue)
        var values = [Float](repeating: 0, count: planes * n)
        for p in 0..<n {
            for k in 0..<planes { values[k * n + p] = Float(samples[p * c + k]) * scale - 1 }
        }
        return FloatPlanes(unchecked: planes, height: height, width: width, values: values)
    }

    /// The alpha channel as a gray image, or nil when there is none.
    public func alphaChannel() -> Image? {
        guard layout.hasAlpha else { return nil }
        let c = channelCount
        return Image(unchecked: width, height: height, layout: .gray, sampleType: sampleType,
                     samples: (0..<(width * height)).map { samples[$0 * c + c - 1] })
    }

    /// An image from float planes: v = round((f + 1) / 2 * max), with f clamped to [-1, 1]
    /// first (NaN counts as -1), halves rounded away from zero. With `alpha` (a gray image of
    /// the same size) the result carries it as its alpha channel, converted to `sampleType`.
    public init(planes: FloatPlanes, sampleType: SampleType = .uint8, alpha: Image? = nil) throws(ImageIOError) {
        if let alpha, alpha.width != planes.width || alpha.height != planes.height || alpha.layout != .gray {
            throw .invalidArgument("alpha must be a gray \(planes.width)x\(planes.height) image, got \(alpha.layout) \(alpha.width)x\(alpha.height)")
        }
        let n = planes.width * planes.height, colors = planes.channels
        let layout: ChannelLayout = (colors == 1 ? ChannelLayout.gray : .rgb).withAlpha(alpha != nil)
        let c = layout.channelCount, maxValue = Float(sampleType.maxValue)
        let alphaSamples = alpha?.converted(to: sampleType).samples
        var out = [UInt16](repeating: 0, count: n * c)
        for p in 0..<n {
            for k in 0..<colors {
                let f = planes.values[k * n + p]
                let clamped = f.isNaN ? -1 : min(max(f, -1), 1)
                out[p * c + k] = UInt16(((clamped + 1) * 0.5 * maxValue).rounded(.toNearestOrAwayFromZero))
            }
            if let alphaSamples { out[p * c + c - 1] = alphaSamples[p] }
        }
        self.init(unchecked: planes.width, height: planes.height, layout: layout, sampleType: sampleType, samples: out)
    }
}

extension FloatPlanes {
    init(unchecked channels: Int, height: Int, width: Int, values: [Float]) {
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }
}
