import GANCore
import GANImageIO

/// A picture of one training step: real A | G_A(A) | G_B(G_A(A)) on top, real B | G_B(B) | G_A(G_B(B)) below.
public enum SampleGrid {
    /// Composes the first item of each visual into a 3×2 grid (8-bit RGB, 2-pixel white gutters).
    public static func image(_ v: CycleGANVisuals) throws(ImageIOError) -> Image {
        try image(rows: [[v.realA, v.fakeB, v.reconstructedA], [v.realB, v.fakeA, v.reconstructedB]])
    }

    /// Composes the first item of each tensor into a grid with one row per entry of `rows` (8-bit RGB, 2-pixel
    /// white gutters, cells as large as the largest image).
    public static func image(rows: [[Tensor]]) throws(ImageIOError) -> Image {
        let tiles = try rows.map { row throws(ImageIOError) in try row.map { t throws(ImageIOError) in try firstImage(t) } }
        let cellW = tiles.flatMap { $0 }.map(\.width).max()!, cellH = tiles.flatMap { $0 }.map(\.height).max()!
        let columns = rows.map(\.count).max()!, gutter = 2
        let width = columns * cellW + (columns - 1) * gutter, height = rows.count * cellH + (rows.count - 1) * gutter
        var samples = [UInt16](repeating: 255, count: width * height * 3)
        for (r, row) in tiles.enumerated() {
            for (c, tile) in row.enumerated() {
                let x0 = c * (cellW + gutter), y0 = r * (cellH + gutter)
                for y in 0..<tile.height { for x in 0..<tile.width { for k in 0..<3 {
                    samples[((y0 + y) * width + x0 + x) * 3 + k] = tile[x: x, y: y, channel: k]
                } } }
            }
        }
        return try Image(width: width, height: height, layout: .rgb, samples: samples)
    }

    /// The first item of a batch [N, C, H, W] as an 8-bit image.
    static func firstImage(_ t: Tensor) throws(ImageIOError) -> Image {
        let (c, h, w) = (t.shape[1], t.shape[2], t.shape[3])
        let planes = try FloatPlanes(channels: c, height: h, width: w, values: Array(t.scalars[0..<(c * h * w)]))
        return try Image(planes: planes).converted(to: .rgb)
    }
}
