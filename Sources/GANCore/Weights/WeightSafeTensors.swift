// safetensors: 8-byte little-endian header length, a JSON header, then a data section.
// https://github.com/huggingface/safetensors (format description in its README).

/// The contents of a safetensors file: tensors in header order plus the `__metadata__` map.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Tensors, converted to `Float`, in the order the header lists them.
    public var tensors: StateDict
    /// The header's `__metadata__` string map (empty when absent).
    public var metadata: [String: String]

    /// Creates a file value.
    public init(tensors: StateDict, metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// Reading and writing the safetensors format.
///
/// Reading validates the whole file before returning anything: header length, JSON
/// syntax, dtypes, shapes, byte lengths and that the tensors' byte ranges tile the data
/// section exactly. Every failure is a ``WeightFileError`` naming the file and tensor.
public enum SafeTensors {
    /// Largest accepted JSON header, in bytes (100 MiB).
    public static let maxHeaderBytes: UInt64 = 100 << 20
    /// Largest file ``read(contentsOf:)`` will load (64 GiB).
    public static let maxFileBytes: UInt64 = 64 << 30

    /// Reads and validates the safetensors file at `path`.
    /// - Throws: ``WeightFileError``.
    public static func read(contentsOf path: String) throws(WeightFileError) -> SafeTensorsFile {
        let bytes = try WeightFileIO.readAll(path, limit: maxFileBytes)
        return try read(bytes: bytes, fileName: path)
    }

    /// Reads and validates a safetensors file held in memory; `fileName` is used in errors.
    /// - Throws: ``WeightFileError``.
    public static func read(bytes: [UInt8], fileName: String = "<memory>") throws(WeightFileError) -> SafeTensorsFile {
        let file = fileName
        guard let headerLen = bytes.weightLE(UInt64.self, at: 0) else {
            throw .truncated(file: file, detail: "\(bytes.count) bytes, need at least 8 for the header length")
        }
        guard headerLen <= maxHeaderBytes else {
            throw .limitExceeded(file: file, what: "declared header size (bytes)", size: headerLen, limit: maxHeaderBytes)
        }
        guard headerLen <= UInt64(bytes.count - 8) else {
            throw .truncated(file: file, detail: "header declares \(headerLen) bytes but only \(bytes.count - 8) follow")
        }
        let headerEnd = 8 + Int(headerLen)
        guard headerLen >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw .malformedHeader(file: file, detail: "header does not start with '{'")
        }
        let json: WeightJSONValue
        do throws(WeightJSONError) {
            json = try WeightJSONParser.parse(bytes, range: 8..<headerEnd)
        } catch {
            throw .malformedHeader(file: file, detail: "\(error.message) at header byte \(error.offset - 8)")
        }
        guard case let .object(members) = json else {
            throw .malformedHeader(file: file, detail: "header is not a JSON object")
        }

        struct Entry { var name: String; var dtype: WeightDType; var shape: [Int]; var begin: Int; var end: Int }
        let dataLen = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        for member in members {
            let name = member.key, value = member.value
            if name == "__metadata__" {
                guard case let .object(items) = value else {
                    throw .malformedHeader(file: file, detail: "__metadata__ is \(value.kindName), expected an object of strings")
                }
                for item in items {
                    let k = item.key, v = item.value
                    guard case let .string(s) = v else {
                        throw .malformedHeader(file: file, detail: "__metadata__ value for \"\(k)\" is \(v.kindName), expected a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard !name.isEmpty else { throw .malformedHeader(file: file, detail: "empty tensor name") }
            guard case let .object(fields) = value else {
                throw .invalidTensor(file: file, tensor: name, detail: "header entry is \(value.kindName), expected an object")
            }
            var dtypeText: String?
            var shapeValue: WeightJSONValue?
            var offsetsValue: WeightJSONValue?
            for field in fields {
                let k = field.key, v = field.value
                switch k {
                case "dtype":
                    guard case let .string(s) = v else { throw .invalidTensor(file: file, tensor: name, detail: "dtype is \(v.kindName), expected a string") }
                    dtypeText = s
                case "shape": shapeValue = v
                case "data_offsets": offsetsValue = v
                default: throw .invalidTensor(file: file, tensor: name, detail: "unexpected header field \"\(k)\"")
                }
            }
            guard let dtypeText else { throw .invalidTensor(file: file, tensor: name, detail: "missing dtype") }
            guard let dtype = WeightDType(rawValue: dtypeText) else {
                throw .unknownDType(file: file, tensor: name, dtype: dtypeText)
            }
            guard case let .array(dims)? = shapeValue else {
                throw .invalidTensor(file: file, tensor: name, detail: "missing or non-array shape")
            }
            var shape: [Int] = []
            for d in dims {
                guard let u = d.unsignedInteger, u <= UInt64(Int.max) else {
                    throw .invalidTensor(file: file, tensor: name, detail: "shape entry is not a non-negative integer")
                }
                shape.append(Int(u))
            }
            guard case let .array(offs)? = offsetsValue, offs.count == 2,
                  let b = offs[0].unsignedInteger, let e = offs[1].unsignedInteger else {
                throw .invalidTensor(file: file, tensor: name, detail: "data_offsets must be [begin, end] non-negative integers")
            }
            guard b <= e else {
                throw .invalidTensor(file: file, tensor: name, detail: "data_offsets [\(b), \(e)] has begin after end")
            }
            guard e <= UInt64(dataLen) else {
                throw .invalidTensor(file: file, tensor: name, detail: "data_offsets [\(b), \(e)] extend past the data section of \(dataLen) bytes")
            }
            guard let count = TensorData.elementCount(shape) else {
                throw .invalidTensor(file: file, tensor: name, detail: "shape \(shape) element count overflows")
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, byteCount == Int(e - b) else {
                throw .invalidTensor(file: file, tensor: name, detail: "shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more than Int.max" : String(byteCount)) bytes but data_offsets [\(b), \(e)] span \(e - b)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: Int(b), end: Int(e)))
        }

        // The byte ranges must tile [0, dataLen) exactly: no gaps, no overlaps, nothing left over.
        let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for e in sorted {
            if e.begin < cursor {
                throw .invalidLayout(file: file, detail: "tensor '\(e.name)' bytes [\(e.begin), \(e.end)) overlap the previous tensor (which ends at \(cursor))")
            }
            if e.begin > cursor {
                throw .invalidLayout(file: file, detail: "gap of \(e.begin - cursor) unused bytes before tensor '\(e.name)' at offset \(cursor)")
            }
            cursor = e.end
        }
        guard cursor == dataLen else {
            throw .invalidLayout(file: file, detail: "tensors cover \(cursor) bytes but the data section has \(dataLen)")
        }

        var dict = StateDict()
        bytes.withUnsafeBytes { raw in
            for e in entries {
                let slice = UnsafeRawBufferPointer(rebasing: raw[(headerEnd + e.begin)..<(headerEnd + e.end)])
                let values = WeightElementCodec.decode(slice, dtype: e.dtype, first: 0, count: (e.end - e.begin) / e.dtype.byteSize)
                dict[e.name] = TensorData(shape: e.shape, values: values, dtype: e.dtype)
            }
        }
        return SafeTensorsFile(tensors: dict, metadata: metadata)
    }

    /// Encodes tensors as a safetensors file.
    ///
    /// Floating-point tensors are written as `dtype` (`.f32`, `.f16` or `.bf16`; halves use
    /// round-to-nearest-even). Integer and boolean tensors keep their own dtype (their values
    /// must be integral). The header is padded with spaces to a multiple of 8 bytes.
    /// - Throws: ``WeightFileError/cannotEncode(file:tensor:detail:)``.
    public static func encode(_ tensors: StateDict, as dtype: WeightDType = .f32,
                              metadata: [String: String] = [:],
                              fileName: String = "<memory>") throws(WeightFileError) -> [UInt8] {
        guard dtype == .f32 || dtype == .f16 || dtype == .bf16 else {
            throw .cannotEncode(file: fileName, tensor: "*", detail: "floating tensors can be written as F32, F16 or BF16, not \(dtype.rawValue)")
        }
        var data: [UInt8] = []
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.sorted { $0.key < $1.key }.map { WeightJSONWriter.quote($0.key) + ":" + WeightJSONWriter.quote($0.value) }.joined(separator: ",")
            header += "}"
            first = false
        }
        for (name, t) in tensors {
            guard !name.isEmpty, name != "__metadata__" else {
                throw .cannotEncode(file: fileName, tensor: name, detail: "reserved or empty tensor name")
            }
            let target = t.dtype.isFloatingPoint ? dtype : t.dtype
            let begin = data.count
            if let problem = WeightElementCodec.encode(t.values, as: target, into: &data) {
                throw .cannotEncode(file: fileName, tensor: name, detail: problem)
            }
            if !first { header += "," }
            first = false
            header += WeightJSONWriter.quote(name) + ":{\"dtype\":\"\(target.rawValue)\",\"shape\":["
            header += t.shape.map(String.init).joined(separator: ",")
            header += "],\"data_offsets\":[\(begin),\(data.count)]}"
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + data.count)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(contentsOf: data)
        return out
    }

    /// Writes tensors to `path` atomically (temporary file in the same folder, fsync, rename).
    /// See ``encode(_:as:metadata:fileName:)`` for the dtype rules.
    /// - Throws: ``WeightFileError``.
    public static func write(_ tensors: StateDict, to path: String, as dtype: WeightDType = .f32,
                             metadata: [String: String] = [:]) throws(WeightFileError) {
        let bytes = try encode(tensors, as: dtype, metadata: metadata, fileName: path)
        try WeightFileIO.writeAtomically(bytes, to: path)
    }
}
