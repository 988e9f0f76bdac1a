import GANCore

/// The augmentation T of consistency regularization: each image of a batch moved by its own whole-pixel offset,
/// the border pixels repeated into the space it leaves. No flips: Fashion-MNIST's shoes all face left, and a
/// discriminator blind to that would let the generator draw either way.
///
///   out[b, c, y, x] = in[b, c, clamp(y − dy_b), clamp(x − dx_b)],   clamp to 0...size−1
struct ImageShift {
    /// Offset of each image, in pixels: positive dx moves it right, positive dy down.
    var offsets: [(dx: Int, dy: Int)]

    /// One offset per image, each coordinate uniform in -maxShift...maxShift.
    static func random(count: Int, maxShift: Int, using random: inout SeededGenerator) -> ImageShift {
        let span = UInt64(2 * maxShift + 1)
        return ImageShift(offsets: (0..<count).map { _ in
            (Int(random.next() % span) - maxShift, Int(random.next() % span) - maxShift)
        })
    }

    /// The batch `images` [N, C, H, W] with image b moved by `offsets[b]`.
    func apply(to images: Tensor) -> Tensor {
        let shape = images.shape
        precondition(shape.count == 4 && shape[0] == offsets.count, "ImageShift: \(offsets.count) offsets for a batch shaped \(shape)")
        let (channels, height, width) = (shape[1], shape[2], shape[3])
        var out = Tensor.zeros(shape)
        images.scalars.withUnsafeBufferPointer { source in
            out.scalars.withUnsafeMutableBufferPointer { target in
                for (b, offset) in offsets.enumerated() {
                    for c in 0..<channels {
                        let plane = (b * channels + c) * height * width
                        for y in 0..<height {
                            let row = plane + min(max(y - offset.dy, 0), height - 1) * width
                            for x in 0..<width {
                                target[plane + y * width + x] = source[row + min(max(x - offset.dx, 0), width - 1)]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
