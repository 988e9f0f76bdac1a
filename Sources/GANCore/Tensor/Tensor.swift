/// A dense Float32 array with a shape, stored contiguously in row-major order.
///
/// Images use NCHW layout: `shape == [batch, channels, height, width]`.
/// `Tensor` is a value type (copy-on-write through its `[Float]` storage) and is `Sendable`.
public struct Tensor: Sendable, Equatable {
    /// The size of each dimension, outermost first. An empty shape is a scalar holding one value.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// Creates a tensor from a shape and its row-major elements.
    /// - Precondition: `scalars.count` equals the product of `shape`, and no dimension is negative.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(scalars.count == shape.reduce(1, *),
                     "Tensor: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape with every element equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Creates a tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// Creates a tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// Creates a scalar (shape `[]`) tensor.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// Creates a tensor whose elements are drawn from N(mean, std²) using `generator`.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * generator.nextNormal() }
        return Tensor(shape: shape, scalars: values)
    }

    /// Creates a tensor whose elements are drawn uniformly from [low, high) using `generator`.
    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, scalars: values)
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: needs exactly one element, shape is \(shape)")
        return scalars[0]
    }

    /// Returns the same elements under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count,
                     "Tensor.reshaped: cannot view shape \(shape) as \(newShape)")
        return Tensor(shape: newShape, scalars: scalars)
    }

    /// Adds `other` element by element into `self`.
    public mutating func accumulate(_ other: Tensor) {
        precondition(shape == other.shape, "Tensor.accumulate: shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// Returns a tensor of the same shape with `transform` applied to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(transform))
    }

    /// The sum of all elements, accumulated in Double.
    public func sum() -> Float {
        var total = 0.0
        for v in scalars { total += Double(v) }
        return Float(total)
    }
}

extension Tensor {
    /// The shape viewed as NCHW; fails with a message naming `op` when the tensor is not rank 4.
    @inlinable
    func nchw(_ op: String) -> (n: Int, c: Int, h: Int, w: Int) {
        precondition(shape.count == 4, "\(op): expected an NCHW tensor of rank 4, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }
}

extension Tensor {
    /// A new tensor of `a`'s shape whose elements `chunk(x, y, z, range)` writes from `a` (x) and `b` (y), over
    /// parallel chunks of the index range; a shape mismatch fails naming `op`. The loop lives in `chunk`, so the
    /// compiler sees the arithmetic of each element.
    @inlinable
    static func combining(_ a: Tensor, _ b: Tensor, op: String,
                          chunk: @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>) -> Void) -> Tensor {
        precondition(a.shape == b.shape, "\(op): shapes \(a.shape) and \(b.shape) differ")
        var out = [Float](unsafeUninitializedCapacity: a.count) { _, count in count = a.count }
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let x = SharedConstPointer(pa.baseAddress!), y = SharedConstPointer(pb.baseAddress!)
                    let z = SharedPointer(po.baseAddress!)
                    parallelChunks(pa.count) { range in chunk(x.base, y.base, z.base, range) }
                }
            }
        }
        return Tensor(shape: a.shape, scalars: out)
    }

    /// Combines two same-shape tensors element by element (in parallel chunks for large tensors);
    /// a shape mismatch fails naming `op`.
    @inlinable
    static func zip(_ a: Tensor, _ b: Tensor, op: String, _ combine: @Sendable (Float, Float) -> Float) -> Tensor {
        combining(a, b, op: op) { x, y, z, range in for i in range { z[i] = combine(x[i], y[i]) } }
    }

    /// a + b element by element, as `zip(a, b, op: "add", +)` but with the addition in the loop itself:
    /// through zip's closure it stayed one call per element (3% of a generator forward, the residual sums).
    static func adding(_ a: Tensor, _ b: Tensor) -> Tensor {
        combining(a, b, op: "add") { x, y, z, range in for i in range { z[i] = x[i] + y[i] } }
    }

    /// Applies `transform` to every element (in parallel chunks for large tensors).
    @inlinable
    func pointwise(_ transform: @Sendable (Float) -> Float) -> Tensor {
        var out = [Float](unsafeUninitializedCapacity: count) { _, count in count = self.count }
        scalars.withUnsafeBufferPointer { pa in
            out.withUnsafeMutableBufferPointer { po in
                let x = SharedConstPointer(pa.baseAddress!), z = SharedPointer(po.baseAddress!)
                parallelChunks(pa.count) { range in
                    for i in range { z.base[i] = transform(x.base[i]) }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }
}

extension Tensor {
    /// The element at a multi-dimensional index (one index per dimension).
    public subscript(_ indices: Int...) -> Float {
        get { scalars[flatIndex(indices)] }
        set { scalars[flatIndex(indices)] = newValue }
    }

    private func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor subscript: \(indices.count) indices for shape \(shape)")
        var flat = 0
        for (index, size) in Swift.zip(indices, shape) {
            precondition(index >= 0 && index < size, "Tensor subscript: index \(indices) out of bounds for shape \(shape)")
            flat = flat * size + index
        }
        return flat
    }
}
