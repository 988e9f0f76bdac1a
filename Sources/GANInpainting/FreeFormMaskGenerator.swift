import Foundation
import GANCore
import GANImageIO

/// Seeded free-form hole masks in the style of DeepFill v2 (Yu et al., "Free-Form Image
/// Inpainting with Gated Convolution", ICCV 2019): random brush strokes (a polyline of 4 to 11
/// vertices whose turning angles alternate around 2π/5, segment lengths drawn around a
/// diagonal/8, a width of 12 to 40 pixels at 256 px, round joints and caps, random flips) mixed
/// with random boxes.
///
/// Unlike DeepFill's sampler, which draws a fixed number of shapes, the generator aims at a
/// hole ratio: it adds shapes until the fraction of hole pixels reaches `holeRatio`'s lower
/// bound; a shape that would push it past the upper bound is drawn again, 20% smaller each
/// time; after 40 misses in a row it starts over. The same seed always gives the same mask.
public struct FreeFormMaskGenerator: Sendable, Equatable {
    /// Mask width in pixels.
    public let width: Int
    /// Mask height in pixels.
    public let height: Int
    /// The fraction of hole pixels a mask must have.
    public let holeRatio: ClosedRange<Double>

    /// The hole-ratio buckets masks are evaluated in: 10-20%, 20-30%, ..., 50-60%.
    public static let buckets: [ClosedRange<Double>] = [0.1...0.2, 0.2...0.3, 0.3...0.4, 0.4...0.5, 0.5...0.6]

    /// The range training masks are drawn from: 5% to 60% holes.
    public static let trainingRange: ClosedRange<Double> = 0.05...0.6

    /// A generator of `width` x `height` masks whose hole fraction lies in `holeRatio`, which must
    /// be inside (0, 1) and hold at least one whole pixel count.
    public init(width: Int, height: Int, holeRatio: ClosedRange<Double>) throws(InpaintingError) {
        guard width >= 8, height >= 8 else { throw .invalidArgument("free-form masks need at least 8x8 pixels, got \(width)x\(height)") }
        guard holeRatio.lowerBound > 0, holeRatio.upperBound < 1 else {
            throw .invalidArgument("a hole ratio range must lie inside (0, 1), got \(holeRatio)")
        }
        let n = Double(width * height)
        guard (holeRatio.lowerBound * n).rounded(.up) <= (holeRatio.upperBound * n).rounded(.down) else {
            throw .invalidArgument("no pixel count of a \(width)x\(height) mask falls in \(holeRatio)")
        }
        self.width = width; self.height = height; self.holeRatio = holeRatio
    }

    /// The mask for `seed`. Throws only when no mask in range was found in 50 tries, which the
    /// ranges above do not come near.
    public func mask(seed: UInt64) throws(InpaintingError) -> Mask {
        var rng = SeededGenerator(seed: seed)
        let n = Double(width * height)
        let lowest = Int((holeRatio.lowerBound * n).rounded(.up)), highest = Int((holeRatio.upperBound * n).rounded(.down))
        for _ in 0..<50 {
            var canvas = Canvas(width: width, height: height)
            var misses = 0
            while canvas.holeCount < lowest && misses < 40 {
                let shrink = pow(0.8, Double(misses))
                let shape = uniform(&rng) < 0.75 ? stroke(&rng, shrink: shrink) : box(&rng, shrink: shrink)
                if canvas.holeCount + canvas.newPixels(shape) <= highest {
                    canvas.draw(shape)
                    misses = 0
                } else {
                    misses += 1
                }
            }
            if canvas.holeCount >= lowest {
                return try! Mask(width: width, height: height, isHole: canvas.isHole)
            }
        }
        throw .holeRatioUnreachable(lower: holeRatio.lowerBound, upper: holeRatio.upperBound, width: width, height: height)
    }

    /// A brush stroke (DeepFill v2's `brush_stroke_mask`, sizes scaled from 256 px).
    private func stroke(_ rng: inout SeededGenerator, shrink: Double) -> Shape {
        let scale = Double(min(width, height)) / 256 * shrink
        let meanAngle = 2 * Double.pi / 5, angleRange = 2 * Double.pi / 15
        let averageRadius = Double(width * width + height * height).squareRoot() / 8 * shrink
        let vertexCount = 4 + Int(rng.next() % 8)
        let angleMin = meanAngle - uniform(&rng) * angleRange, angleMax = meanAngle + uniform(&rng) * angleRange
        let flipX = uniform(&rng) < 0.5, flipY = uniform(&rng) < 0.5
        var points = [(x: uniform(&rng) * Double(width), y: uniform(&rng) * Double(height))]
        for i in 0..<vertexCount {
            let turn = angleMin + uniform(&rng) * (angleMax - angleMin)
            let angle = i % 2 == 0 ? 2 * Double.pi - turn : turn
            let length = min(max(normal(&rng, mean: averageRadius, deviation: averageRadius / 2), 0), 2 * averageRadius)
            let last = points[points.count - 1]
            points.append((min(max(last.x + length * cos(angle), 0), Double(width)),
                           min(max(last.y + length * sin(angle), 0), Double(height))))
        }
        if flipX { points = points.map { (Double(width) - $0.x, $0.y) } }
        if flipY { points = points.map { ($0.x, Double(height) - $0.y) } }
        let brush = max(1, (12 + uniform(&rng) * 28) * scale)
        return .stroke(points: points, radius: brush / 2)
    }

    /// A box of 10% to 50% of each side, anywhere (clipped by the edges).
    private func box(_ rng: inout SeededGenerator, shrink: Double) -> Shape {
        let w = max(1, Int((0.1 + 0.4 * uniform(&rng)) * Double(width) * shrink))
        let h = max(1, Int((0.1 + 0.4 * uniform(&rng)) * Double(height) * shrink))
        let x = Int(uniform(&rng) * Double(width)) - w / 2, y = Int(uniform(&rng) * Double(height)) - h / 2
        return .box(x: max(0, x), y: max(0, y), right: min(width, x + w), bottom: min(height, y + h))
    }

    /// A uniform number in [0, 1) from the top 53 bits.
    private func uniform(_ rng: inout SeededGenerator) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// A normal number by Box-Muller.
    private func normal(_ rng: inout SeededGenerator, mean: Double, deviation: Double) -> Double {
        let u = 1 - uniform(&rng), v = uniform(&rng)
        return mean + deviation * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// A shape of a free-form mask.
enum Shape {
    /// A thick polyline: every pixel within `radius` of a segment.
    case stroke(points: [(x: Double, y: Double)], radius: Double)
    /// Pixels x in x..<right, y in y..<bottom.
    case box(x: Int, y: Int, right: Int, bottom: Int)
}

/// A mask being drawn.
struct Canvas {
    let width: Int, height: Int
    var isHole: [Bool]
    var holeCount = 0

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        isHole = [Bool](repeating: false, count: width * height)
    }

    /// Calls `body` with every pixel the shape covers (a pixel may come more than once).
    func forEachPixel(of shape: Shape, _ body: (Int) -> Void) {
        switch shape {
        case let .box(x0, y0, right, bottom):
            for y in y0..<max(y0, bottom) { for x in x0..<max(x0, right) { body(y * width + x) } }
        case let .stroke(points, radius):
            for (a, b) in zip(points, points.dropFirst()) {
                let x0 = max(0, Int((min(a.x, b.x) - radius).rounded(.down))), x1 = min(width - 1, Int((max(a.x, b.x) + radius).rounded(.up)))
                let y0 = max(0, Int((min(a.y, b.y) - radius).rounded(.down))), y1 = min(height - 1, Int((max(a.y, b.y) + radius).rounded(.up)))
                guard x0 <= x1, y0 <= y1 else { continue }
                let dx = b.x - a.x, dy = b.y - a.y, square = dx * dx + dy * dy
                for y in y0...y1 {
                    for x in x0...x1 {
                        let px = Double(x) + 0.5 - a.x, py = Double(y) + 0.5 - a.y
                        let t = square > 0 ? min(max((px * dx + py * dy) / square, 0), 1) : 0
                        let ex = px - t * dx, ey = py - t * dy
                        if ex * ex + ey * ey <= radius * radius { body(y * width + x) }
                    }
                }
            }
        }
    }

    /// How many pixels the shape would add.
    func newPixels(_ shape: Shape) -> Int {
        var seen = Set<Int>()
        forEachPixel(of: shape) { if !isHole[$0] { seen.insert($0) } }
        return seen.count
    }

    /// Marks the shape's pixels as holes.
    mutating func draw(_ shape: Shape) {
        var added: [Int] = []
        forEachPixel(of: shape) { added.append($0) }
        for p in added where !isHole[p] { isHole[p] = true; holeCount += 1 }
    }
}
