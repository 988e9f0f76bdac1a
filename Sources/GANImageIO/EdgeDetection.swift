import Foundation

/// Settings of the Canny edge detector (`Image.cannyEdges(_:)`).
///
/// Thresholds are fractions of the image's largest gradient magnitude, so the same settings work for 8- and 16-bit
/// images and for dim or bright photos alike.
public struct CannyOptions: Sendable, Equatable, Codable {
    /// Standard deviation, in pixels, of the Gaussian blur applied to the luminance first (0: no blur).
    public var sigma: Double
    /// Pixels whose thinned gradient magnitude is at least `high` × the largest magnitude start an edge.
    public var high: Double
    /// Pixels at least `low` × the largest magnitude that touch an edge (8-connected) join it (hysteresis).
    public var low: Double

    /// Creates options; the defaults suit 64–256 px photos (sigma 1, high 0.2, low 0.08).
    public init(sigma: Double = 1, high: Double = 0.2, low: Double = 0.08) {
        (self.sigma, self.high, self.low) = (sigma, high, low)
    }
}

/// A binary edge map: `true` where an edge passes.
public struct EdgeMap: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Row-major flags, `width × height`.
    public let edges: [Bool]

    /// Whether (x, y) is on an edge.
    public subscript(x: Int, y: Int) -> Bool { edges[y * width + x] }

    /// The number of edge pixels.
    public var edgeCount: Int { edges.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// A gray 8-bit image of the map: black (0) lines on white (255), the way pix2pix's edges2shoes and
    /// edges2handbags datasets draw them; `inverted` gives white lines on black.
    public func image(inverted: Bool = false) -> Image {
        let on: UInt16 = inverted ? 255 : 0, off: UInt16 = inverted ? 0 : 255
        return Image(unchecked: width, height: height, layout: .gray, sampleType: .uint8, samples: edges.map { $0 ? on : off })
    }
}

extension Image {
    /// The luminance in [0, 1], row-major (BT.601 luma for colour images; alpha ignored).
    public func luminance() -> [Double] {
        let gray = converted(to: layout.hasAlpha ? .grayAlpha : .gray)
        let c = gray.channelCount, scale = 1 / Double(sampleType.maxValue)
        return (0..<(width * height)).map { Double(gray.samples[$0 * c]) * scale }
    }

    /// Canny's edge detector on the luminance: Gaussian blur, Sobel gradients, non-maximum suppression along the
    /// gradient direction (quantised to 0°, 45°, 90°, 135°; thin, one-pixel lines), then hysteresis between the two
    /// thresholds. Borders are replicated. Deterministic; about 60 operations per pixel.
    /// - Throws: `ImageIOError.invalidArgument` when a setting is out of range (negative sigma, low > high, ...).
    public func cannyEdges(_ options: CannyOptions = CannyOptions()) throws(ImageIOError) -> EdgeMap {
        guard options.sigma >= 0, options.sigma <= 20, options.low >= 0, options.low <= options.high, options.high <= 1 else {
            throw .invalidArgument("Canny needs 0 <= sigma <= 20 and 0 <= low <= high <= 1, got sigma \(options.sigma), low \(options.low), high \(options.high)")
        }
        let w = width, h = height
        let l = Self.gaussianBlur(luminance(), width: w, height: h, sigma: options.sigma)
        func at(_ x: Int, _ y: Int) -> Double { l[min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)] }
        var magnitude = [Double](repeating: 0, count: w * h)
        var sector = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let gx = (at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1)) - (at(x - 1, y - 1) + 2 * at(x - 1, y) + at(x - 1, y + 1))
                let gy = (at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1)) - (at(x - 1, y - 1) + 2 * at(x, y - 1) + at(x + 1, y - 1))
                magnitude[y * w + x] = (gx * gx + gy * gy).squareRoot()
                // Direction of the gradient in [0, 180): 0 horizontal, 1 = 45° (down-right), 2 vertical, 3 = 135°.
                var angle = atan2(gy, gx) * 180 / Double.pi
                if angle < 0 { angle += 180 }
                sector[y * w + x] = angle < 22.5 || angle >= 157.5 ? 0 : angle < 67.5 ? 1 : angle < 112.5 ? 2 : 3
            }
        }
        let largest = magnitude.max() ?? 0
        guard largest > 1e-9 else { return EdgeMap(width: w, height: h, edges: [Bool](repeating: false, count: w * h)) }
        func mag(_ x: Int, _ y: Int) -> Double { x < 0 || y < 0 || x >= w || y >= h ? 0 : magnitude[y * w + x] }
        // Thin: keep a pixel strictly above its neighbour on one side and at least its neighbour on the other, so a
        // plateau two pixels wide (an edge between pixel centres) keeps exactly one of them.
        var thin = [Double](repeating: 0, count: w * h)
        let steps = [(1, 0), (1, 1), (0, 1), (-1, 1)]
        for y in 0..<h {
            for x in 0..<w {
                let m = magnitude[y * w + x]
                let (dx, dy) = steps[Int(sector[y * w + x])]
                if m > mag(x - dx, y - dy) && m >= mag(x + dx, y + dy) { thin[y * w + x] = m }
            }
        }
        let high = options.high * largest, low = max(options.low * largest, 1e-12)
        var edges = [Bool](repeating: false, count: w * h)
        var stack: [Int] = []
        for p in 0..<(w * h) where thin[p] >= high && thin[p] > 0 { edges[p] = true; stack.append(p) }
        while let p = stack.popLast() {
            let (x, y) = (p % w, p / w)
            for ny in max(y - 1, 0)...min(y + 1, h - 1) {
                for nx in max(x - 1, 0)...min(x + 1, w - 1) {
                    let q = ny * w + nx
                    if !edges[q] && thin[q] >= low { edges[q] = true; stack.append(q) }
                }
            }
        }
        return EdgeMap(width: w, height: h, edges: edges)
    }

    /// A separable Gaussian blur (radius ⌈3σ⌉, replicated borders); the input unchanged for σ = 0.
    static func gaussianBlur(_ values: [Double], width w: Int, height h: Int, sigma: Double) -> [Double] {
        guard sigma > 0 else { return values }
        let radius = Int((3 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var across = [Double](repeating: 0, count: w * h), out = across
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * values[y * w + min(max(x + k, 0), w - 1)] }
                across[y * w + x] = s
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for k in -radius...radius { s += kernel[k + radius] * across[min(max(y + k, 0), h - 1) * w + x] }
                out[y * w + x] = s
            }
        }
        return out
    }
}
