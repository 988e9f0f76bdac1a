// Import of PyTorch checkpoints written by `torch.save` (zip format, torch >= 1.6; the legacy
// pre-1.6 pickle-stream format is read by `TorchLegacyCheckpoint`).
//
// Layout: a zip of stored entries under one folder `<stem>/`: `data.pkl` (the pickled
// object, with tensors as persistent ids), `data/<key>` (raw little-endian storages),
// `byteorder`, `version`, ... The pickle is interpreted by `RestrictedUnpickler`, which
// executes nothing and refuses any global outside a small allow-list.

/// Reading PyTorch `.pth` / `.pt` checkpoints into a ``StateDict``.
///
/// Accepted content: a dict whose values are all tensors (a `state_dict()`), or a dict with
/// a `state_dict` or `model` entry holding such a dict, or (with `entry:`) a named top-level
/// entry such as `netG` in a checkpoint that holds several state dicts. Floating tensors (f32, f16, bf16,
/// f64) and integer/bool tensors (e.g. `num_batches_tracked`) are converted to `Float`;
/// views (storage offset, strides) are honoured. Both `torch.save` formats are read: the zip format
/// (torch >= 1.6) and the legacy pickle stream (torch < 1.6, or `_use_new_zipfile_serialization=False`,
/// as in the official junyanz CycleGAN checkpoints). When every tensor name starts with `module.`
/// (a model saved from `DataParallel`), the prefix is removed. Only the tar format of torch < 0.1.10
/// is refused (``WeightFileError/legacyFormat(file:)``).
public enum TorchCheckpoint {
    /// Largest file ``read(contentsOf:)`` will load (8 GiB).
    public static let maxFileBytes: UInt64 = 8 << 30
    /// Refuse archives whose entries claim more than this in total (4 GiB), before allocating.
    public static let maxTotalEntryBytes: UInt64 = WeightZipArchive.maxTotalBytes
    /// Largest accepted `data.pkl` (256 MiB).
    public static let maxPickleBytes = 256 << 20
    /// Most elements accepted across all tensors (2^30), so a strided view cannot inflate
    /// a small storage into a huge allocation.
    public static let maxTotalElements = 1 << 30

    /// Most elements the tensors of a checkpoint may hold together when its storages hold
    /// `storedBytes` bytes: 4 elements per stored byte plus 2^20, within ``maxTotalElements``. Views
    /// that share a storage (tied weights) are legitimate, but many of them must not turn a small
    /// file into gigabytes.
    static func elementBudget(storedBytes: Int) -> Int {
        let (scaled, overflow) = storedBytes.multipliedReportingOverflow(by: 4)
        return overflow ? maxTotalElements : min(maxTotalElements, scaled + (1 << 20))
    }

    /// Reads the checkpoint at `path`.
    /// - Parameter entry: when set, the state dict is the top-level dict's entry with this
    ///   key (e.g. `"netG"`); otherwise it is found as described on ``TorchCheckpoint``.
    /// - Throws: ``WeightFileError`` naming the file and, where relevant, the tensor or entry.
    public static func read(contentsOf path: String, entry: String? = nil) throws(WeightFileError) -> StateDict {
        let bytes = try WeightFileIO.readAll(path, limit: maxFileBytes)
        return try read(bytes: bytes, fileName: path, entry: entry)
    }

    /// Reads a checkpoint held in memory; `fileName` is used in error messages.
    /// - Parameter entry: as for ``read(contentsOf:entry:)``.
    /// - Throws: ``WeightFileError``.
    public static func read(bytes: [UInt8], fileName: String = "<memory>", entry: String? = nil) throws(WeightFileError) -> StateDict {
        let file = fileName
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 0x03 || bytes[2] == 0x05 {
            // zip: fall through
        } else if isLegacyPickle(bytes) {
            return try TorchLegacyCheckpoint.read(bytes: bytes, file: file, entry: entry).strippingDataParallelPrefix()
        } else if isLegacy(bytes) {
            throw .legacyFormat(file: file)
        } else if bytes.count < 4 {
            throw .truncated(file: file, detail: "\(bytes.count) bytes is too short for a checkpoint")
        } else {
            throw .notAZipArchive(file: file)
        }
        let archive = try WeightZipArchive(bytes: bytes, file: file)

        let pickles = archive.entries.filter { e in
            guard e.name.hasSuffix("/data.pkl") else { return false }
            let prefix = e.name.dropLast("data.pkl".count)
            return prefix.count > 1 && !prefix.dropLast().contains("/")
        }
        guard let pkl = pickles.first else {
            throw .unsupportedContent(file: file, detail: "no '<name>/data.pkl' entry in the archive")
        }
        guard pickles.count == 1 else {
            throw .unsupportedContent(file: file, detail: "several data.pkl entries: \(pickles.map(\.name).joined(separator: ", "))")
        }
        let prefix = String(pkl.name.dropLast("data.pkl".count))
        if let bo = archive.entry(named: prefix + "byteorder") {
            let text = String(decoding: bytes[bo.dataOffset..<(bo.dataOffset + bo.size)], as: UTF8.self)
            guard text == "little" else {
                throw .unsupportedContent(file: file, detail: "byte order '\(text)' is not supported (only little-endian)")
            }
        }
        guard pkl.size <= maxPickleBytes else {
            throw .limitExceeded(file: file, what: "size of entry '\(pkl.name)' (bytes)", size: UInt64(pkl.size), limit: UInt64(maxPickleBytes))
        }
        try verifyCRC(pkl, bytes, file)
        let (root, heap) = try RestrictedUnpickler.load(bytes, range: pkl.dataOffset..<(pkl.dataOffset + pkl.size), file: file)

        let tensors = try selectStateDict(root, heap: heap, file: file, entry: entry)
        var verified = Set<String>()
        var totalElements = 0
        var storedBytes = 0, counted = Set<String>()
        for (_, ref) in tensors where counted.insert(ref.storage.key).inserted {
            storedBytes &+= Int(clamping: archive.entry(named: prefix + "data/" + ref.storage.key)?.size ?? 0)
        }
        let budget = elementBudget(storedBytes: storedBytes)
        var result = StateDict()
        for (name, ref) in tensors {
            let s = ref.storage
            let entryName = prefix + "data/" + s.key
            guard let entry = archive.entry(named: entryName) else {
                throw .invalidTensor(file: file, tensor: name, detail: "storage entry '\(entryName)' is missing from the archive")
            }
            let (needed, o1) = s.numel.multipliedReportingOverflow(by: s.dtype.byteSize)
            guard !o1, needed == entry.size else {
                throw .invalidTensor(file: file, tensor: name, detail: "storage '\(entryName)' has \(entry.size) bytes but declares \(s.numel) \(s.dtype.rawValue) elements")
            }
            if verified.insert(entryName).inserted { try verifyCRC(entry, bytes, file) }
            guard ref.size.count == ref.stride.count else {
                throw .invalidTensor(file: file, tensor: name, detail: "size \(ref.size) and stride \(ref.stride) differ in rank")
            }
            guard ref.size.allSatisfy({ $0 >= 0 }), ref.stride.allSatisfy({ $0 >= 0 }), ref.offset >= 0 else {
                throw .invalidTensor(file: file, tensor: name, detail: "negative size, stride or storage offset (size \(ref.size), stride \(ref.stride), offset \(ref.offset))")
            }
            guard let count = TensorData.elementCount(ref.size), count <= budget - totalElements else {
                let n = TensorData.elementCount(ref.size).map { UInt64($0) } ?? UInt64.max
                throw .limitExceeded(file: file, what: "element count of tensor '\(name)' (shape \(ref.size)) plus earlier tensors, for \(storedBytes) stored bytes",
                                     size: n &+ UInt64(totalElements), limit: UInt64(budget))
            }
            guard count <= s.numel else { throw overlappingView(name, ref, count, file) }
            totalElements += count
            var values: [Float] = []
            if count > 0 {
                // Highest element index the view touches, with overflow checks.
                var last = ref.offset
                for (d, st) in zip(ref.size, ref.stride) {
                    let (span, o2) = (d - 1).multipliedReportingOverflow(by: st)
                    let (sum, o3) = last.addingReportingOverflow(span)
                    guard !o2, !o3 else { throw .invalidTensor(file: file, tensor: name, detail: "view extent overflows") }
                    last = sum
                }
                guard last < s.numel else {
                    throw .invalidTensor(file: file, tensor: name, detail: "view (offset \(ref.offset), size \(ref.size), stride \(ref.stride)) reaches element \(last) of a storage with \(s.numel) elements")
                }
                let contiguous = isContiguous(ref.size, ref.stride)
                let indices = contiguous ? [] : stridedIndices(ref)
                values = bytes.withUnsafeBytes { all in
                    let raw = UnsafeRawBufferPointer(rebasing: all[entry.dataOffset..<(entry.dataOffset + entry.size)])
                    return contiguous
                        ? WeightElementCodec.decode(raw, dtype: s.dtype, first: ref.offset, count: count)
                        : WeightElementCodec.gather(raw, dtype: s.dtype, indices: indices)
                }
            }
            result[name] = TensorData(shape: ref.size, values: values, dtype: s.dtype)
        }
        return result.strippingDataParallelPrefix()
    }

    /// A view with more elements than its storage overlaps itself (`expand`, stride 0): refused, as it would let a
    /// file of a few hundred bytes decode into gigabytes (found writing the pth fuzz target; Fixtures/fuzz/pth).
    static func overlappingView(_ name: String, _ ref: PickleTensorRef, _ count: Int, _ file: String) -> WeightFileError {
        .invalidTensor(file: file, tensor: name, detail: "view of \(count) elements (size \(ref.size), stride \(ref.stride)) is larger than its storage of \(ref.storage.numel) elements; self-overlapping views are not supported")
    }

    /// Whether the bytes start like a pickle stream (the legacy pre-1.6 format).
    static func isLegacyPickle(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x80 && bytes[1] >= 2 && bytes[1] <= 5
    }

    /// Whether the bytes look like a pre-1.6 checkpoint (a raw pickle stream or a tar file).
    static func isLegacy(_ bytes: [UInt8]) -> Bool {
        if isLegacyPickle(bytes) { return true }
        if bytes.count >= 262, Array(bytes[257..<262]) == Array("ustar".utf8) { return true }
        return false
    }

    private static func verifyCRC(_ e: WeightZipEntry, _ bytes: [UInt8], _ file: String) throws(WeightFileError) {
        let crc = bytes.withUnsafeBytes { WeightCRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[e.dataOffset..<(e.dataOffset + e.size)])) }
        guard crc == e.crc32 else {
            throw .corruptArchive(file: file, detail: "CRC-32 mismatch in entry '\(e.name)' (stored \(String(e.crc32, radix: 16)), computed \(String(crc, radix: 16)))")
        }
    }

    static func isContiguous(_ size: [Int], _ stride: [Int]) -> Bool {
        var expected = 1
        for (d, s) in zip(size, stride).reversed() {
            if d != 1, s != expected { return false }
            expected *= d
        }
        return true
    }

    /// Storage element indices of a strided view in row-major order (bounds already checked).
    static func stridedIndices(_ ref: PickleTensorRef) -> [Int] {
        let count = TensorData.elementCount(ref.size) ?? 0
        var out = [Int]()
        out.reserveCapacity(count)
        let rank = ref.size.count
        // A dimension of size 1 never advances, so its stride is irrelevant (and may be huge).
        let stride = zip(ref.size, ref.stride).map { $0 <= 1 ? 0 : $1 }
        var idx = [Int](repeating: 0, count: rank)
        var cur = ref.offset
        for _ in 0..<count {
            out.append(cur)
            var d = rank - 1
            while d >= 0 {
                idx[d] += 1
                cur += stride[d]
                if idx[d] < ref.size[d] { break }
                cur -= stride[d] * ref.size[d]
                idx[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// Finds the name -> tensor mapping in the unpickled object.
    static func selectStateDict(_ root: PickleValue, heap: PickleHeap, file: String, entry: String? = nil) throws(WeightFileError) -> [(String, PickleTensorRef)] {
        guard case let .dict(top) = root else {
            throw .unsupportedContent(file: file, detail: "top-level object is \(root.kindName), expected a dict of tensors")
        }
        func tensors(_ d: Int) -> [(String, PickleTensorRef)]? {
            var out: [(String, PickleTensorRef)] = []
            for (k, v) in heap.dicts[d] {
                guard case let .string(name) = k, case let .tensor(t) = v else { return nil }
                out.append((name, t))
            }
            return out
        }
        if entry == nil, let direct = tensors(top) { return try unique(direct, file) }
        for wanted in entry.map({ [$0] }) ?? ["state_dict", "model"] {
            for (k, v) in heap.dicts[top] {
                guard case let .string(key) = k, key == wanted else { continue }
                guard case let .dict(inner) = v, let t = tensors(inner) else {
                    throw .unsupportedContent(file: file, detail: "entry '\(wanted)' is not a dict of tensors")
                }
                return try unique(t, file)
            }
        }
        if let entry {
            throw .unsupportedContent(file: file, detail: "no top-level entry '\(entry)'")
        }
        let firstBad = heap.dicts[top].first { e in
            if case .tensor = e.value, case .string = e.key { return false }
            return true
        }
        var keyText = "?"
        if let firstBad, case let .string(k) = firstBad.key { keyText = k }
        throw .unsupportedContent(file: file, detail: "top-level dict entry '\(keyText)' is \(firstBad?.value.kindName ?? "?"), not a tensor, and there is no 'state_dict' or 'model' entry")
    }

    private static func unique(_ t: [(String, PickleTensorRef)], _ file: String) throws(WeightFileError) -> [(String, PickleTensorRef)] {
        var seen = Set<String>()
        for (n, _) in t where !seen.insert(n).inserted {
            throw .unsupportedContent(file: file, detail: "tensor name '\(n)' appears twice")
        }
        return t
    }
}
