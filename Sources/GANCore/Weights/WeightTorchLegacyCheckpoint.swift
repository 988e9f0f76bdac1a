// Import of legacy PyTorch checkpoints: `torch.save` before 1.6, or with
// `_use_new_zipfile_serialization=False` (the official junyanz CycleGAN checkpoints of 2017-2019).
//
// Layout (torch/serialization.py `_legacy_save`): a sequence of pickles
//   1. the magic number 0x1950a86a20f9469cfc6c,
//   2. the protocol version 1001,
//   3. sys_info: {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {...}},
//   4. the object, whose tensors are persistent ids
//      ('storage', torch.XStorage, key, location, numel, view_metadata),
//   5. the sorted list of storage keys,
// then, for each key in that order, an 8-byte little-endian element count and the raw
// little-endian elements. Every pickle goes through `RestrictedUnpickler` (same allow-list;
// nothing is executed), and every size is checked against the file before it is used.

/// The reader of legacy (non-zip) PyTorch checkpoints; ``TorchCheckpoint/read(bytes:fileName:entry:)``
/// calls it for files that start with a pickle.
enum TorchLegacyCheckpoint {
    /// `torch.serialization.MAGIC_NUMBER` as the 10 little-endian bytes a LONG1 opcode carries.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    /// `torch.serialization.PROTOCOL_VERSION`.
    static let protocolVersion: Int64 = 1001

    /// The index just after the magic-number pickle, or `nil` when `bytes` does not start with it.
    static func endOfMagic(_ bytes: [UInt8]) -> Int? {
        var pos = 0
        if bytes.count >= 2, bytes[0] == 0x80 {  // PROTO
            guard (2...5).contains(bytes[1]) else { return nil }
            pos = 2
        }
        if bytes.count >= pos + 9, bytes[pos] == 0x95 { pos += 9 }  // FRAME (protocol 4+)
        guard bytes.count >= pos + 13, bytes[pos] == 0x8A, bytes[pos + 1] == 10,
              Array(bytes[(pos + 2)..<(pos + 12)]) == magic, bytes[pos + 12] == 0x2E else { return nil }
        return pos + 13
    }

    /// Reads a legacy checkpoint held in memory. See ``TorchCheckpoint`` for the accepted content.
    /// - Throws: ``WeightFileError`` naming `file`.
    static func read(bytes: [UInt8], file: String, entry: String?) throws(WeightFileError) -> StateDict {
        guard let afterMagic = endOfMagic(bytes) else {
            throw .unsupportedContent(file: file, detail: "a pickle stream that does not start with PyTorch's legacy magic number (not a torch.save file)")
        }
        let end = bytes.count
        let (version, _, afterVersion) = try RestrictedUnpickler.loadNext(bytes, range: afterMagic..<end, file: file)
        guard case .int(protocolVersion) = version else {
            throw .unsupportedContent(file: file, detail: "legacy protocol version \(describe(version)), expected \(protocolVersion)")
        }
        let (info, infoHeap, afterInfo) = try RestrictedUnpickler.loadNext(bytes, range: afterVersion..<end, file: file)
        guard case let .dict(infoIndex) = info else {
            throw .unsupportedContent(file: file, detail: "legacy sys_info is \(info.kindName), expected a dict")
        }
        for (k, v) in infoHeap.dicts[infoIndex] {
            if case .string("little_endian") = k, case .bool(false) = v {
                throw .unsupportedContent(file: file, detail: "big-endian legacy checkpoint is not supported (only little-endian)")
            }
        }
        let (root, heap, afterObject) = try RestrictedUnpickler.loadNext(bytes, range: afterInfo..<end, file: file)
        let (keyList, keyHeap, dataStart) = try RestrictedUnpickler.loadNext(bytes, range: afterObject..<end, file: file)
        guard case let .list(li) = keyList else {
            throw .unsupportedContent(file: file, detail: "legacy storage key list is \(keyList.kindName), expected a list")
        }
        var keys: [String] = []
        for k in keyHeap.lists[li] {
            guard case let .string(key) = k else {
                throw .unsupportedContent(file: file, detail: "legacy storage key is \(k.kindName), expected str")
            }
            keys.append(key)
        }

        // Every storage the object refers to, with its element type and size.
        var catalog: [String: PickleStorageRef] = [:]
        func note(_ v: PickleValue) throws(WeightFileError) {
            let s: PickleStorageRef
            switch v {
            case let .tensor(t): s = t.storage
            case let .storage(x): s = x
            default: return
            }
            if let known = catalog[s.key] {
                guard known.dtype == s.dtype, known.numel == s.numel else {
                    throw .unsupportedContent(file: file, detail: "storage '\(s.key)' is declared as both \(known.numel) \(known.dtype.rawValue) and \(s.numel) \(s.dtype.rawValue) elements")
                }
            } else {
                catalog[s.key] = PickleStorageRef(dtype: s.dtype, key: s.key, numel: s.numel)
            }
        }
        try note(root)
        for d in heap.dicts { for (k, v) in d { try note(k); try note(v) } }
        for l in heap.lists { for v in l { try note(v) } }
        for t in heap.tuples { for v in t { try note(v) } }

        // The data section: for each key, an element count and the elements. Sizes are checked before use.
        var ranges: [String: Range<Int>] = [:]
        var pos = dataStart
        for key in keys {
            guard let s = catalog[key] else {
                throw .unsupportedContent(file: file, detail: "storage '\(key)' is listed but no tensor refers to it, so its element size is unknown")
            }
            guard ranges[key] == nil else {
                throw .unsupportedContent(file: file, detail: "storage '\(key)' is listed twice")
            }
            guard let count = bytes.weightLE(UInt64.self, at: pos) else {
                throw .truncated(file: file, detail: "file ends at byte \(end) before the element count of storage '\(key)' (byte \(pos))")
            }
            guard count == UInt64(s.numel) else {
                throw .invalidLayout(file: file, detail: "storage '\(key)' holds \(count) elements but the pickle declares \(s.numel)")
            }
            let (size, overflow) = s.numel.multipliedReportingOverflow(by: s.dtype.byteSize)
            let available = end - (pos + 8)
            guard !overflow, size <= available else {
                throw .truncated(file: file, detail: "storage '\(key)' needs \(overflow ? "more than Int.max" : String(size)) bytes at byte \(pos + 8) but only \(available) remain")
            }
            ranges[key] = (pos + 8)..<(pos + 8 + size)
            pos += 8 + size
        }
        guard pos == end else {
            throw .invalidLayout(file: file, detail: "\(end - pos) unexpected bytes after the last storage (at byte \(pos))")
        }

        let tensors = try TorchCheckpoint.selectStateDict(root, heap: heap, file: file, entry: entry)
        var totalElements = 0
        let budget = TorchCheckpoint.elementBudget(storedBytes: ranges.values.reduce(0) { $0 &+ $1.count })
        var result = StateDict()
        for (name, ref) in tensors {
            let s = ref.storage
            guard let range = ranges[s.key] else {
                throw .invalidTensor(file: file, tensor: name, detail: "storage '\(s.key)' is missing from the data section")
            }
            result[name] = try decode(name: name, ref: ref, bytes: bytes, range: range, totalElements: &totalElements,
                                      budget: budget, file: file)
        }
        return result
    }

    /// Decodes the view `ref` of the storage held at `bytes[range]`, checking its extent and the element limit.
    static func decode(name: String, ref: PickleTensorRef, bytes: [UInt8], range: Range<Int>, totalElements: inout Int,
                       budget: Int, file: String) throws(WeightFileError) -> TensorData {
        let s = ref.storage
        guard ref.size.count == ref.stride.count else {
            throw .invalidTensor(file: file, tensor: name, detail: "size \(ref.size) and stride \(ref.stride) differ in rank")
        }
        guard ref.size.allSatisfy({ $0 >= 0 }), ref.stride.allSatisfy({ $0 >= 0 }), ref.offset >= 0 else {
            throw .invalidTensor(file: file, tensor: name, detail: "negative size, stride or storage offset (size \(ref.size), stride \(ref.stride), offset \(ref.offset))")
        }
        guard let count = TensorData.elementCount(ref.size), count <= budget - totalElements else {
            let n = TensorData.elementCount(ref.size).map { UInt64($0) } ?? UInt64.max
            throw .limitExceeded(file: file, what: "element count of tensor '\(name)' (shape \(ref.size)) plus earlier tensors, for the file's stored data",
                                 size: n &+ UInt64(totalElements), limit: UInt64(budget))
        }
        guard count <= s.numel else { throw TorchCheckpoint.overlappingView(name, ref, count, file) }
        totalElements += count
        guard count > 0 else { return TensorData(shape: ref.size, values: [], dtype: s.dtype) }
        var last = ref.offset
        for (d, st) in zip(ref.size, ref.stride) {
            let (span, o1) = (d - 1).multipliedReportingOverflow(by: st)
            let (sum, o2) = last.addingReportingOverflow(span)
            guard !o1, !o2 else { throw .invalidTensor(file: file, tensor: name, detail: "view extent overflows") }
            last = sum
        }
        guard last < s.numel, last < range.count / s.dtype.byteSize else {
            throw .invalidTensor(file: file, tensor: name, detail: "view (offset \(ref.offset), size \(ref.size), stride \(ref.stride)) reaches element \(last) of a storage with \(s.numel) elements")
        }
        let contiguous = TorchCheckpoint.isContiguous(ref.size, ref.stride)
        let indices = contiguous ? [] : TorchCheckpoint.stridedIndices(ref)
        let values = bytes.withUnsafeBytes { all in
            let raw = UnsafeRawBufferPointer(rebasing: all[range])
            return contiguous
                ? WeightElementCodec.decode(raw, dtype: s.dtype, first: ref.offset, count: count)
                : WeightElementCodec.gather(raw, dtype: s.dtype, indices: indices)
        }
        return TensorData(shape: ref.size, values: values, dtype: s.dtype)
    }

    private static func describe(_ v: PickleValue) -> String {
        if case let .int(i) = v { return String(i) }
        return v.kindName
    }
}

extension StateDict {
    /// The same tensors with a leading `module.` removed from every name, when every name has it (checkpoints
    /// saved from `torch.nn.DataParallel`); otherwise the dict unchanged. Order is kept.
    public func strippingDataParallelPrefix() -> StateDict {
        let prefix = "module."
        guard !isEmpty, names.allSatisfy({ $0.hasPrefix(prefix) && $0.count > prefix.count }) else { return self }
        var out = StateDict()
        for (name, tensor) in self { out[String(name.dropFirst(prefix.count))] = tensor }
        return out
    }
}
