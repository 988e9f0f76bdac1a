import GANImageIO

/// Fills the holes of an image by fast marching, as in A. Telea, "An Image Inpainting Technique
/// Based on the Fast Marching Method", J. Graphics Tools 9(1), 2004 (OpenCV's `INPAINT_TELEA`).
///
/// The hole is filled from its boundary inwards, in order of the distance T to the boundary
/// (an eikonal solution computed by the fast marching method). Each pixel p, when the march
/// reaches it, becomes a weighted mean over the known pixels q within `radius` of it of the
/// first-order estimate I(q) + ∇I(q)·(p − q), with weight w = dir · dst · lev:
///
/// - dir = |(p − q)/|p − q| · N(p)|, N = ∇T/|∇T| the normal of the level set (floored at 1e-6
///   below 0.01, as OpenCV does, so that no neighbour has weight zero);
/// - dst = 1/|p − q|² (the paper's d0²/|p − q|² with d0 = 1);
/// - lev = 1/(1 + |T(p) − T(q)|) (the paper's T0/(1 + |T(p) − T(q)|) with T0 = 1).
///
/// As in OpenCV, T is also marched outwards, as −distance, over the known pixels within
/// `radius` of the hole, so that lev and ∇T are defined on both sides of the boundary.
///
/// Which ∇I enters the estimate is ``GradientTerm``: by default only that of the image's known
/// pixels, measured between known pixels, while pixels the march has filled count as I(q).
/// The paper as written (``GradientTerm/allPixels``) also takes ∇I of filled pixels, which
/// feeds each extrapolation's error into the next one: on photos it leaves bright and dark
/// streaks (on 48 CelebA test faces with real free-form masks, L1 in the hole 0.115 against
/// 0.070 for the default). OpenCV's code keeps only a term of at most √2 levels, in effect a
/// weighted mean (``GradientTerm/none``).
///
/// Other differences from OpenCV, all on the paper's side: ∇I is a true central difference
/// (one-sided beside the hole or the image edge); a pixel still in the band gets its T lowered
/// when a later neighbour gives a smaller one; the image edge is an edge, not a one-pixel
/// frame; and filled values stay in floating point until the end, rounded once.
///
/// Pixels outside the mask, and the alpha channel everywhere, come back bit-identical. Works on
/// every ``ChannelLayout`` and both sample types.
public struct TeleaInpainter: Sendable, Equatable {
    /// The radius of the neighbourhood each pixel is estimated from, in pixels (OpenCV's
    /// `inpaintRadius`, 1...100). Larger radii blur more.
    public var radius: Int
    /// Which pixels' intensity gradients enter the estimate.
    public var gradientTerm: GradientTerm

    /// Which intensity gradients enter the first-order estimate I(q) + ∇I(q)·(p − q).
    public enum GradientTerm: String, Sendable, Equatable, CaseIterable, Codable {
        /// ∇I of the image's known pixels, from differences between known pixels; pixels
        /// filled by the march contribute I(q) alone. The default: the steadiest on photos.
        case knownPixels
        /// ∇I of every pixel out of the hole, filled ones included, as the paper writes it.
        /// Exact on smooth ramps; unstable on textured photos.
        case allPixels
        /// No gradient term: a weighted mean of I(q), close to what OpenCV computes.
        case none
    }

    /// An inpainter with the given neighbourhood radius (5, as OpenCV's examples use) and
    /// gradient term.
    public init(radius: Int = 5, gradientTerm: GradientTerm = .knownPixels) {
        self.radius = radius
        self.gradientTerm = gradientTerm
    }

    /// Returns `image` with the pixels where `mask` is a hole filled in. An empty mask returns
    /// the image unchanged. Throws when the sizes differ, when the mask covers every pixel
    /// (nothing to propagate from) or when the radius is outside 1...100.
    public func inpaint(_ image: Image, mask: Mask) throws(InpaintingError) -> Image {
        guard (1...100).contains(radius) else {
            throw .invalidArgument("the Telea radius must be 1...100 pixels, got \(radius)")
        }
        guard mask.width == image.width, mask.height == image.height else {
            throw .maskSizeMismatch(maskWidth: mask.width, maskHeight: mask.height,
                                    imageWidth: image.width, imageHeight: image.height)
        }
        let holes = mask.holeCount
        if holes == 0 { return image }
        if holes == mask.isHole.count { throw .maskCoversEverything(width: image.width, height: image.height) }

        var march = TeleaMarch(image: image, mask: mask, radius: radius, gradientTerm: gradientTerm)
        march.marchOutwards()
        march.marchInwards()

        var result = image
        let channels = march.channels, maxValue = Float(image.sampleType.maxValue)
        for p in 0..<(image.width * image.height) where mask.isHole[p] {
            for c in 0..<channels {
                let v = min(max(march.value[p * channels + c], 0), maxValue)
                result[x: p % image.width, y: p / image.width, channel: c] = UInt16(v.rounded())
            }
        }
        return result
    }
}

/// The state of one Telea inpainting: pixel flags, arrival times and colour values.
struct TeleaMarch {
    /// Pixel states of a march.
    static let known: UInt8 = 0, band: UInt8 = 1, inside: UInt8 = 2
    /// The arrival time of a pixel not reached yet.
    static let far: Float = 1.0e6

    let width: Int, height: Int
    /// Colour channels (alpha is left out).
    let channels: Int
    let radius: Int
    let gradientTerm: TeleaInpainter.GradientTerm
    let maxValue: Float
    /// Whether each pixel was known in the input (not a hole).
    let original: [Bool]
    /// Known / band / inside, per pixel.
    var flag: [UInt8]
    /// Arrival time T: distance to the hole's boundary, negative outside the hole.
    var time: [Float]
    /// Colour values, `channels` per pixel, filled in as the march goes.
    var value: [Float]
    /// Known pixels 4-adjacent to the hole: where both marches start (T = 0).
    let boundary: [Int]
    /// The disk of neighbours: offset and 1/|r|, 1/|r|² (the centre left out).
    let disk: [(dx: Int, dy: Int, inverseLength: Float, inverseSquare: Float)]

    init(image: Image, mask: Mask, radius: Int, gradientTerm: TeleaInpainter.GradientTerm = .knownPixels) {
        width = image.width; height = image.height; self.radius = radius; self.gradientTerm = gradientTerm
        channels = image.layout.colorChannelCount
        maxValue = Float(image.sampleType.maxValue)
        let stride = image.channelCount, count = width * height
        value = [Float](repeating: 0, count: count * channels)
        for p in 0..<count {
            for c in 0..<channels { value[p * channels + c] = Float(image.samples[p * stride + c]) }
        }
        flag = mask.isHole.map { $0 ? Self.inside : Self.known }
        original = mask.isHole.map { !$0 }
        time = [Float](repeating: Self.far, count: count)
        var boundary: [Int] = []
        for p in 0..<count where !mask.isHole[p] {
            let x = p % width, y = p / width
            if (x > 0 && mask.isHole[p - 1]) || (x + 1 < width && mask.isHole[p + 1])
                || (y > 0 && mask.isHole[p - width]) || (y + 1 < height && mask.isHole[p + width]) {
                boundary.append(p)
                flag[p] = Self.band
                time[p] = 0
            }
        }
        self.boundary = boundary
        var disk: [(dx: Int, dy: Int, inverseLength: Float, inverseSquare: Float)] = []
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius && (dx != 0 || dy != 0) {
                let square = Float(dx * dx + dy * dy)
                disk.append((dx, dy, 1 / square.squareRoot(), 1 / square))
            }
        }
        self.disk = disk
    }

    /// Marches T outwards from the boundary over the known pixels within `radius` (Chebyshev)
    /// of the hole, and stores it there as −distance.
    mutating func marchOutwards() {
        let near = nearHole()
        let inwardFlags = flag
        // Outside pixels near the hole are the unknowns of this march; everything else is fixed.
        flag = (0..<flag.count).map { p in
            inwardFlags[p] == Self.band ? Self.band : (inwardFlags[p] == Self.known && near[p] ? Self.inside : Self.known)
        }
        march(filling: false)
        for p in 0..<flag.count where inwardFlags[p] == Self.known && near[p] && time[p] < Self.far {
            time[p] = -time[p]
        }
        flag = inwardFlags
    }

    /// Marches into the hole from its boundary, filling each pixel as it is reached.
    mutating func marchInwards() {
        march(filling: true)
    }

    /// The fast marching method: freeze the band pixel with the smallest T, then give each of
    /// its unfrozen neighbours its T (and, when `filling`, its value on first arrival).
    private mutating func march(filling: Bool) {
        var band = NarrowBand()
        for p in boundary { band.push(p, time: 0) }
        while let p = band.pop() {
            if flag[p] == Self.known { continue }        // a stale entry: frozen already
            flag[p] = Self.known
            let x = p % width, y = p / width
            for (nx, ny) in [(x - 1, y), (x, y - 1), (x + 1, y), (x, y + 1)] {
                guard nx >= 0, ny >= 0, nx < width, ny < height else { continue }
                let n = ny * width + nx
                if flag[n] == Self.known { continue }
                let t = arrival(nx, ny)
                if flag[n] == Self.inside {
                    time[n] = t
                    if filling { fill(nx, ny) }
                    flag[n] = Self.band
                    band.push(n, time: t)
                } else if t < time[n] && time[n] > 0 {   // the boundary (T = 0) stays put
                    time[n] = t
                    band.push(n, time: t)
                }
            }
        }
    }

    /// T at (x, y) from its frozen 4-neighbours: the smallest of the four upwind solutions of
    /// |∇T| = 1.
    private func arrival(_ x: Int, _ y: Int) -> Float {
        let p = y * width + x
        func frozen(_ q: Int, _ ok: Bool) -> Float { ok && flag[q] == Self.known ? time[q] : Self.far }
        let left = frozen(p - 1, x > 0), right = frozen(p + 1, x + 1 < width)
        let up = frozen(p - width, y > 0), down = frozen(p + width, y + 1 < height)
        return min(min(Self.solve(up, left), Self.solve(down, left)), min(Self.solve(up, right), Self.solve(down, right)))
    }

    /// The upwind solution of (T − a)² + (T − b)² = 1, or 1 + min(a, b) where it has none
    /// above both.
    static func solve(_ a: Float, _ b: Float) -> Float {
        let d = a - b
        if abs(d) >= 1 { return 1 + min(a, b) }
        return (a + b + (2 - d * d).squareRoot()) * 0.5
    }

    /// A one-dimensional derivative at q: central when both neighbours (`low` at q − step, `high`
    /// at q + step) may be used, one-sided when one may, zero when none may.
    @inline(__always)
    private func derivative(_ values: [Float], at q: Int, step: Int, stride: Int, channel: Int, low: Bool, high: Bool) -> Float {
        let i = q * stride + channel
        switch (low, high) {
        case (true, true): return (values[i + step * stride] - values[i - step * stride]) * 0.5
        case (false, true): return values[i + step * stride] - values[i]
        case (true, false): return values[i] - values[i - step * stride]
        case (false, false): return 0
        }
    }

    /// Whether the neighbour q + offset exists (`inImage`) and is out of the hole by now.
    @inline(__always)
    private func out(_ q: Int, _ offset: Int, _ inImage: Bool) -> Bool { inImage && flag[q + offset] != Self.inside }

    /// Fills (x, y) from the known pixels of its disk (Telea 2004, eq. 5-8).
    private mutating func fill(_ x: Int, _ y: Int) {
        let p = y * width + x
        var nx = derivative(time, at: p, step: 1, stride: 1, channel: 0, low: out(p, -1, x > 0), high: out(p, 1, x + 1 < width))
        var ny = derivative(time, at: p, step: width, stride: 1, channel: 0, low: out(p, -width, y > 0), high: out(p, width, y + 1 < height))
        let length = (nx * nx + ny * ny).squareRoot()
        if length > 0 { nx /= length; ny /= length }
        let tp = time[p]
        var sum: (Float, Float, Float) = (0, 0, 0)
        var weights: Float = 1.0e-20
        for (dx, dy, inverseLength, inverseSquare) in disk {
            let qx = x + dx, qy = y + dy
            guard qx >= 0, qy >= 0, qx < width, qy < height else { continue }
            let q = qy * width + qx
            if flag[q] == Self.inside { continue }
            // r = p − q = (−dx, −dy)
            var dir = abs(-(Float(dx) * nx + Float(dy) * ny) * inverseLength)
            if dir <= 0.01 { dir = 1.0e-6 }
            let lev = 1 / (1 + abs(time[q] - tp))
            let w = dir * inverseSquare * lev
            weights += w
            for c in 0..<channels {
                // ∇I(q)·(p − q) with p − q = (−dx, −dy)
                var slope: Float = 0
                switch gradientTerm {
                case .knownPixels:
                    // Between known pixels only: their values never change, the holes' still
                    // hold input values that must not leak in.
                    if original[q] {
                        let gx = derivative(value, at: q, step: 1, stride: channels, channel: c,
                                            low: qx > 0 && original[q - 1], high: qx + 1 < width && original[q + 1])
                        let gy = derivative(value, at: q, step: width, stride: channels, channel: c,
                                            low: qy > 0 && original[q - width], high: qy + 1 < height && original[q + width])
                        slope = -gx * Float(dx) - gy * Float(dy)
                    }
                case .allPixels:
                    let gx = derivative(value, at: q, step: 1, stride: channels, channel: c, low: out(q, -1, qx > 0), high: out(q, 1, qx + 1 < width))
                    let gy = derivative(value, at: q, step: width, stride: channels, channel: c, low: out(q, -width, qy > 0), high: out(q, width, qy + 1 < height))
                    slope = -gx * Float(dx) - gy * Float(dy)
                case .none:
                    break
                }
                let estimate = w * (value[q * channels + c] + slope)
                switch c {
                case 0: sum.0 += estimate
                case 1: sum.1 += estimate
                default: sum.2 += estimate
                }
            }
        }
        let estimates = [sum.0, sum.1, sum.2]
        for c in 0..<channels {
            value[p * channels + c] = min(max(estimates[c] / weights, 0), maxValue)
        }
    }

    /// Whether each pixel lies within `radius` (Chebyshev) of a hole pixel: a square dilation
    /// of the mask, done as a row pass and a column pass of running counts.
    private func nearHole() -> [Bool] {
        var rows = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            var prefix = [Int](repeating: 0, count: width + 1)
            for x in 0..<width { prefix[x + 1] = prefix[x] + (flag[y * width + x] == Self.inside ? 1 : 0) }
            for x in 0..<width { rows[y * width + x] = prefix[min(width, x + radius + 1)] - prefix[max(0, x - radius)] > 0 }
        }
        var near = [Bool](repeating: false, count: width * height)
        for x in 0..<width {
            var prefix = [Int](repeating: 0, count: height + 1)
            for y in 0..<height { prefix[y + 1] = prefix[y] + (rows[y * width + x] ? 1 : 0) }
            for y in 0..<height { near[y * width + x] = prefix[min(height, y + radius + 1)] - prefix[max(0, y - radius)] > 0 }
        }
        return near
    }
}
