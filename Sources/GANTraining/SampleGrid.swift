import GANCore
import GANImageIO

/// The sample grids of every trainer: a batch of images [N, C, H, W] in [-1, 1] tiled row by row with a border of
/// `padding` pixels at -1 (black) between and around the tiles (label grids, pix2pix and inpainting rows), or rows of
/// first-of-batch images with white gutters (CycleGAN and CUT visuals).
public enum SampleGrid {
    /// The grid as float planes [C, rows·(H+p)+p, columns·(W+p)+p].
    public static func planes(_ images: Tensor, columns: Int, padding: Int = 2) -> FloatPlanes {
        precondition(images.rank == 4 && columns > 0, "SampleGrid: need [N, C, H, W] images and columns > 0, got \(images.shape)")
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let rows = (n + columns - 1) / columns
        let height = rows * (h + padding) + padding, width = columns * (w + padding) + padding
        var values = [Float](repeating: -1, count: c * height * width)
        for index in 0..<n {
            let top = padding + (index / columns) * (h + padding), left = padding + (index % columns) * (w + padding)
            for channel in 0..<c {
                for y in 0..<h {
                    let source = ((index * c + channel) * h + y) * w
                    let target = (channel * height + top + y) * width + left
                    for x in 0..<w { values[target + x] = images.scalars[source + x] }
                }
            }
        }
        return try! FloatPlanes(channels: c, height: height, width: width, values: values)
    }

    /// Writes the grid as a PNG (atomically).
    /// - Throws: `ImageIOError` naming `path`.
    public static func write(_ images: Tensor, columns: Int, padding: Int = 2, to path: String) throws(ImageIOError) {
        try Image(planes: planes(images, columns: columns, padding: padding)).write(to: path, format: .png)
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
