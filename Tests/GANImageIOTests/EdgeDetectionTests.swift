import Testing
@testable import GANImageIO

/// Canny on synthetic images: a filled square gives a closed, one-pixel-thin outline on its border.
struct EdgeDetectionTests {
    /// A `size`² gray image, black, with a white filled square [lo, hi)².
    static func square(size: Int = 40, lo: Int = 10, hi: Int = 30) throws -> Image {
        var samples = [UInt16](repeating: 0, count: size * size)
        for y in lo..<hi { for x in lo..<hi { samples[y * size + x] = 255 } }
        return try Image(width: size, height: size, layout: .gray, samples: samples)
    }

    @Test func filledSquareGivesClosedThinOutline() throws {
        let edges = try Self.square().cannyEdges()
        let (w, h) = (edges.width, edges.height)
        // Every edge pixel lies within one pixel of the square's border (rows/columns 9...10 or 29...30).
        for y in 0..<h { for x in 0..<w where edges[x, y] {
            let nearX = (9...10).contains(x) || (29...30).contains(x), nearY = (9...10).contains(y) || (29...30).contains(y)
            #expect((nearX && (9...30).contains(y)) || (nearY && (9...30).contains(x)), "stray edge at (\(x), \(y))")
        } }
        // Thin: no 2x2 block of edge pixels, and about one pixel per unit of perimeter.
        for y in 0..<(h - 1) { for x in 0..<(w - 1) {
            #expect(!(edges[x, y] && edges[x + 1, y] && edges[x, y + 1] && edges[x + 1, y + 1]), "thick edge at (\(x), \(y))")
        } }
        #expect((70...90).contains(edges.edgeCount), "edge pixels: \(edges.edgeCount), perimeter 80")
        // Closed: a 4-connected flood fill of non-edge pixels from the corner does not reach the square's centre.
        var seen = [Bool](repeating: false, count: w * h), stack = [0]
        seen[0] = true
        while let p = stack.popLast() {
            let (x, y) = (p % w, p / w)
            for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] where nx >= 0 && ny >= 0 && nx < w && ny < h {
                let q = ny * w + nx
                if !seen[q] && !edges[nx, ny] { seen[q] = true; stack.append(q) }
            }
        }
        #expect(!seen[20 * w + 20], "the outline has a gap")
    }

    @Test func flatImageHasNoEdgesAndImageIsBlackOnWhite() throws {
        let flat = try Image(width: 16, height: 9, layout: .rgb, filledWith: 120)
        #expect(try flat.cannyEdges().edgeCount == 0)
        let map = try Self.square().cannyEdges()
        let picture = map.image()
        #expect(picture.layout == .gray && picture.width == 40)
        #expect(picture[x: 0, y: 0, channel: 0] == 255)
        let onEdge = (0..<40).flatMap { y in (0..<40).map { ($0, y) } }.first { map[$0.0, $0.1] }!
        #expect(picture[x: onEdge.0, y: onEdge.1, channel: 0] == 0)
        #expect(map.image(inverted: true)[x: 0, y: 0, channel: 0] == 0)
    }

    @Test func badOptionsAreRejected() throws {
        #expect(throws: ImageIOError.self) { try Self.square().cannyEdges(CannyOptions(high: 0.1, low: 0.5)) }
        #expect(throws: ImageIOError.self) { try Self.square().cannyEdges(CannyOptions(sigma: -1)) }
    }
}
