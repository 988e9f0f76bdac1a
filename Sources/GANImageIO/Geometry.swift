/// How ``Image/padded(top:bottom:left:right:mode:)`` fills the new border.
public enum ImagePaddingMode: String, Sendable, CaseIterable, Codable {
    /// Mirror without repeating the edge pixel (PyTorch's ReflectionPad2d): ... c b | a b c | b a ...
    case reflect
    /// Zero in every sample (black, and transparent where there is alpha).
    case zero
}

extension Image {
    /// The `width` x `height` region whose top-left pixel is (`x`, `y`).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) throws(ImageIOError) -> Image {
        guard w > 0, h > 0, x >= 0, y >= 0, x + w <= width, y + h <= height else {
            throw .invalidArgument("crop \(w)x\(h) at (\(x), \(y)) does not fit a \(width)x\(height) image")
        }
        let c = channelCount
        var out = [UInt16]()
        out.reserveCapacity(w * h * c)
        for row in y..<(y + h) {
            out.append(contentsOf: samples[((row * width + x) * c)..<((row * width + x + w) * c)])
        }
        return Image(unchecked: w, height: h, layout: layout, sampleType: sampleType, samples: out)
    }

    /// The centred `width` x `height` region (odd remainders leave the extra pixel on the right/bottom).
    public func centerCropped(width w: Int, height h: Int) throws(ImageIOError) -> Image {
        try cropped(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }

    /// A `width` x `height` region at an offset drawn from `generator`: x = next() % (W - w + 1),
    /// then y = next() % (H - h + 1), so a seeded generator always gives the same crop.
    public func randomlyCropped<G: RandomNumberGenerator>(width w: Int, height h: Int, using generator: inout G) throws(ImageIOError) -> Image {
        guard w > 0, h > 0, w <= width, h <= height else {
            throw .invalidArgument("crop \(w)x\(h) does not fit a \(width)x\(height) image")
        }
        let x = Int(generator.next() % UInt64(width - w + 1))
        let y = Int(generator.next() % UInt64(height - h + 1))
        return try cropped(x: x, y: y, width: w, height: h)
    }

    /// The image mirrored left to right.
    public func flippedHorizontally() -> Image { applying(.upMirrored) }

    /// The image with a border added on each side, filled by `mode`. Reflection needs each pad
    /// to be smaller than the image's extent on that axis.
    public func padded(top: Int, bottom: Int, left: Int, right: Int, mode: ImagePaddingMode) throws(ImageIOError) -> Image {
        guard min(top, bottom, left, right) >= 0 else { throw .invalidArgument("padding must not be negative") }
        if mode == .reflect {
            guard max(left, right) < width, max(top, bottom) < height else {
                throw .invalidArgument("reflect padding of \(max(left, right))x\(max(top, bottom)) needs an image larger than that, got \(width)x\(height)")
            }
        }
        let outW = width + left + right, outH = height + top + bottom, c = channelCount
        var out = [UInt16](repeating: 0, count: outW * outH * c)
        // Reflect index i into 0..<n without repeating the edge.
        func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }
        for y in 0..<outH {
            for x in 0..<outW {
                var sx = x - left, sy = y - top
                if mode == .zero, sx < 0 || sy < 0 || sx >= width || sy >= height { continue }
                sx = reflect(sx, width); sy = reflect(sy, height)
                for k in 0..<c { out[(y * outW + x) * c + k] = samples[(sy * width + sx) * c + k] }
            }
        }
        return Image(unchecked: outW, height: outH, layout: layout, sampleType: sampleType, samples: out)
    }
}
