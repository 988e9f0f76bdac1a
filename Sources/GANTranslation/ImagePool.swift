import GANCore

/// The history of generated images that feeds a discriminator (junyanz `util/image_pool.py`,
/// Shrivastava et al. 2017): until the pool is full every fake is stored and returned; after that each
/// fake, with probability 1/2, is swapped for a stored one (which is returned), else returned itself.
public struct ImagePool: Sendable, Equatable {
    /// The most images kept; 0 makes `query` return its input.
    public let capacity: Int
    /// The stored images, each [1, C, H, W].
    public private(set) var images: [Tensor]
    /// The generator of the coin flips and slot choices; saved in checkpoints.
    public var generator: CheckpointableGenerator

    /// Creates an empty pool.
    public init(capacity: Int = 50, generator: CheckpointableGenerator) {
        self.capacity = capacity
        self.images = []
        self.generator = generator
    }

    /// Restores a pool from saved images and generator state.
    public init(capacity: Int, images: [Tensor], generator: CheckpointableGenerator) {
        precondition(images.count <= capacity, "ImagePool: \(images.count) images do not fit a pool of \(capacity)")
        self.capacity = capacity
        self.images = images
        self.generator = generator
    }

    /// Returns a batch [N, C, H, W] of the same shape as `batch`, item by item, from the history
    /// (junyanz `ImagePool.query`: p = uniform(0, 1); p > 0.5 swaps with slot randint(0, capacity - 1)).
    public mutating func query(_ batch: Tensor) -> Tensor {
        if capacity == 0 { return batch }
        let n = batch.shape[0], itemShape = [1] + batch.shape.dropFirst()
        let itemCount = batch.count / max(n, 1)
        var out: [Float] = []
        out.reserveCapacity(batch.count)
        for k in 0..<n {
            let item = Tensor(shape: itemShape, scalars: Array(batch.scalars[(k * itemCount)..<((k + 1) * itemCount)]))
            if images.count < capacity {
                images.append(item)
                out += item.scalars
            } else if generator.nextUniform() > 0.5 {
                let slot = Int(generator.next() % UInt64(capacity))
                out += images[slot].scalars
                images[slot] = item
            } else {
                out += item.scalars
            }
        }
        return Tensor(shape: batch.shape, scalars: out)
    }
}
