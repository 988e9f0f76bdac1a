// Plain, engine-independent tensor payloads as they come out of (or go into) weight files.

/// The element type a tensor had in a weight file.
///
/// Raw values are the safetensors dtype spellings. Every type is converted to `Float`
/// on load; ``TensorData/dtype`` remembers which one the file used.
public enum WeightDType: String, Sendable, Equatable, Hashable, CaseIterable {
    /// IEEE-754 binary32.
    case f32 = "F32"
    /// IEEE-754 binary16.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16 = "BF16"
    /// IEEE-754 binary64 (converted to `Float` with round-to-nearest-even).
    case f64 = "F64"
    /// Signed 64-bit integer (e.g. BatchNorm's `num_batches_tracked`); magnitudes above
    /// 2^24 are rounded when converted to `Float`.
    case i64 = "I64"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Boolean stored as one byte (0 or 1).
    case bool = "BOOL"

    /// Size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// Whether this is a floating-point type.
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }
}

/// A dense, row-major tensor payload: a shape and its values as `Float`.
///
/// This is a plain value type for moving weights between files and the engine; it is
/// deliberately independent of the engine's own tensor type.
public struct TensorData: Sendable, Equatable {
    /// Dimensions, outermost first. `[]` is a scalar holding one value.
    public var shape: [Int]
    /// Elements in row-major (C) order; `values.count` equals the product of `shape`.
    public var values: [Float]
    /// The element type the tensor had in the file it was read from (or should be written
    /// as, for integer types).
    public var dtype: WeightDType

    /// Creates a tensor payload.
    ///
    /// - Precondition: every dimension is non-negative and `values.count` equals the
    ///   product of `shape`.
    public init(shape: [Int], values: [Float], dtype: WeightDType = .f32) {
        precondition(shape.allSatisfy { $0 >= 0 }, "TensorData: negative dimension in \(shape)")
        precondition(TensorData.elementCount(shape) == values.count,
                     "TensorData: shape \(shape) needs \(TensorData.elementCount(shape) ?? -1) values, got \(values.count)")
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }

    /// Number of elements (product of `shape`).
    public var count: Int { values.count }

    /// Product of `shape`, or `nil` when a dimension is negative or the product overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }
}

/// A failed lookup in a ``StateDict``.
public enum StateDictError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No tensor with this name exists.
    case missingTensor(name: String)
    /// The tensor exists but has a different shape than required.
    case shapeMismatch(name: String, expected: [Int], actual: [Int])
    /// A tensor with this name was inserted twice.
    case duplicateName(name: String)

    /// A message naming the tensor and, for a mismatch, both shapes.
    public var description: String {
        switch self {
        case let .missingTensor(name):
            return "state dict has no tensor named '\(name)'"
        case let .shapeMismatch(name, expected, actual):
            return "tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .duplicateName(name):
            return "state dict already has a tensor named '\(name)'"
        }
    }
}

/// An ordered mapping from PyTorch-style names (`model.1.weight`) to tensor payloads.
///
/// Insertion order is preserved (it is the file order on load and the write order on save).
public struct StateDict: Sendable, Equatable, Sequence {
    private var order: [String] = []
    private var storage: [String: TensorData] = [:]

    /// Creates an empty state dict.
    public init() {}

    /// Creates a state dict from `(name, tensor)` pairs in order.
    /// - Throws: ``StateDictError/duplicateName(name:)`` if a name repeats.
    public init(_ entries: [(String, TensorData)]) throws(StateDictError) {
        for (name, t) in entries {
            guard storage[name] == nil else { throw .duplicateName(name: name) }
            order.append(name)
            storage[name] = t
        }
    }

    /// Names in order.
    public var names: [String] { order }
    /// Number of tensors.
    public var count: Int { order.count }
    /// Whether there are no tensors.
    public var isEmpty: Bool { order.isEmpty }

    /// The tensor named `name`, or `nil`. Setting a new name appends it; setting `nil` removes it.
    public subscript(name: String) -> TensorData? {
        get { storage[name] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: name) == nil { order.append(name) }
            } else if storage.removeValue(forKey: name) != nil {
                order.removeAll { $0 == name }
            }
        }
    }

    /// The tensor named `name`.
    /// - Throws: ``StateDictError/missingTensor(name:)``.
    public func tensor(_ name: String) throws(StateDictError) -> TensorData {
        guard let t = storage[name] else { throw .missingTensor(name: name) }
        return t
    }

    /// The tensor named `name`, which must have exactly `shape`.
    /// - Throws: ``StateDictError/missingTensor(name:)`` or
    ///   ``StateDictError/shapeMismatch(name:expected:actual:)`` naming both shapes.
    public func tensor(_ name: String, shape: [Int]) throws(StateDictError) -> TensorData {
        let t = try tensor(name)
        guard t.shape == shape else { throw .shapeMismatch(name: name, expected: shape, actual: t.shape) }
        return t
    }

    /// Iterates `(name, tensor)` pairs in order.
    public func makeIterator() -> AnyIterator<(name: String, tensor: TensorData)> {
        var i = 0
        let order = self.order, storage = self.storage
        return AnyIterator {
            guard i < order.count else { return nil }
            defer { i += 1 }
            return (order[i], storage[order[i]]!)
        }
    }
}
