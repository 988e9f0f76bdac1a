import GANCore
import GANImageIO

/// Tiles a batch of images [N, C, H, W] in [-1, 1] into one picture, row by row, with a border of
/// `padding` pixels at -1 (black) between and around the tiles.
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
}

extension ConditionalSampler {
    /// One row per class (0..<classCount), `perClass` samples in each; latents from `seed`.
    public func classGrid(perClass: Int, seed: UInt64, truncation: Float? = nil) -> Tensor {
        let labels = (0..<generator.configuration.classCount).flatMap { Array(repeating: $0, count: perClass) }
        return samples(labels: labels, seed: seed, truncation: truncation)
    }

    /// Writes the per-class grid (one row per class) as a PNG.
    /// - Throws: `ImageIOError` naming `path`.
    public func writeClassGrid(to path: String, perClass: Int = 8, seed: UInt64 = 0, truncation: Float? = nil) throws(ImageIOError) {
        try SampleGrid.write(classGrid(perClass: perClass, seed: seed, truncation: truncation), columns: perClass, to: path)
    }
}
