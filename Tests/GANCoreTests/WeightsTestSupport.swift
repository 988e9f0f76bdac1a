import Foundation
@testable import GANCore

/// Locates and parses the fixtures written by tools/make_weight_fixtures.py.
enum WeightFixtures {
    /// Repository root: three levels up from Tests/GANCoreTests/<file>.swift.
    static func repoRoot(_ file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    static var dir: String { repoRoot() + "/Fixtures/weights" }

    static func path(_ name: String) -> String { dir + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        try WeightFileIO.readAll(path(name), limit: 1 << 30)
    }

    struct Expected {
        var name: String
        var shape: [Int]
        var bits: [UInt32]
    }

    /// Rows of expected.tsv for one fixture file, in file order.
    static func expected(for file: String) throws -> [Expected] {
        let text = String(decoding: try bytes("expected.tsv"), as: UTF8.self)
        var rows: [Expected] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, f[0] == file else { continue }
            let shape = f[2].isEmpty ? [] : f[2].split(separator: ",").map { Int($0)! }
            let bits = f[3].isEmpty ? [] : f[3].split(separator: ",").map { UInt32($0, radix: 16)! }
            rows.append(Expected(name: String(f[1]), shape: shape, bits: bits))
        }
        return rows
    }

    /// A fresh empty temporary directory.
    static func tempDir() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gankit-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

/// Builds small zip archives (stored entries) for corruption tests.
enum WeightsTestZip {
    struct File {
        var name: String
        var data: [UInt8]
        /// When set, the central directory claims this size instead of the real one
        /// (values >= 0xFFFFFFFF are written through a zip64 extra field).
        var claimedSize: UInt64? = nil
    }

    static func weightLE<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func make(_ files: [File]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for f in files {
            let offset = UInt32(out.count)
            let crc = f.data.withUnsafeBytes { WeightCRC32.checksum($0) }
            let name = Array(f.name.utf8)
            weightLE(UInt32(0x0403_4B50), &out); weightLE(UInt16(20), &out); weightLE(UInt16(0), &out); weightLE(UInt16(0), &out)
            weightLE(UInt32(0), &out); weightLE(crc, &out); weightLE(UInt32(f.data.count), &out); weightLE(UInt32(f.data.count), &out)
            weightLE(UInt16(name.count), &out); weightLE(UInt16(0), &out)
            out += name
            out += f.data
            let size = f.claimedSize ?? UInt64(f.data.count)
            var extra: [UInt8] = []
            let size32: UInt32
            if size >= 0xFFFF_FFFF {
                size32 = 0xFFFF_FFFF
                weightLE(UInt16(1), &extra); weightLE(UInt16(16), &extra); weightLE(size, &extra); weightLE(size, &extra)
            } else {
                size32 = UInt32(size)
            }
            weightLE(UInt32(0x0201_4B50), &central); weightLE(UInt16(20), &central); weightLE(UInt16(45), &central)
            weightLE(UInt16(0), &central); weightLE(UInt16(0), &central); weightLE(UInt32(0), &central); weightLE(crc, &central)
            weightLE(size32, &central); weightLE(size32, &central); weightLE(UInt16(name.count), &central); weightLE(UInt16(extra.count), &central)
            weightLE(UInt16(0), &central); weightLE(UInt16(0), &central); weightLE(UInt16(0), &central); weightLE(UInt32(0), &central)
            weightLE(offset, &central)
            central += name
            central += extra
        }
        let cdOffset = UInt32(out.count)
        out += central
        weightLE(UInt32(0x0605_4B50), &out); weightLE(UInt16(0), &out); weightLE(UInt16(0), &out)
        weightLE(UInt16(files.count), &out); weightLE(UInt16(files.count), &out)
        weightLE(UInt32(central.count), &out); weightLE(cdOffset, &out); weightLE(UInt16(0), &out)
        return out
    }
}

/// Builds protocol-2 pickles shaped like torch.save's data.pkl.
enum WeightsTestPickle {
    struct TensorSpec {
        var name: String
        var storageType = "FloatStorage"
        var key = "0"
        var numel: Int
        var offset = 0
        var size: [Int]
        var stride: [Int]
    }

    static func str(_ s: String) -> [UInt8] {
        var out: [UInt8] = [0x58]
        WeightsTestZip.weightLE(UInt32(s.utf8.count), &out)
        return out + Array(s.utf8)
    }

    static func int(_ v: Int) -> [UInt8] {
        var out: [UInt8] = [0x8A, 8]
        WeightsTestZip.weightLE(Int64(v), &out)
        return out
    }

    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    /// `{name: tensor, ...}` as an OrderedDict.
    static func stateDict(_ tensors: [TensorSpec]) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02]
        p += global("collections", "OrderedDict") + [0x29, 0x52]  // OrderedDict()
        p += [0x28]  // MARK
        for t in tensors {
            p += str(t.name)
            p += global("torch._utils", "_rebuild_tensor_v2")
            p += [0x28]  // MARK args
            p += [0x28] + str("storage") + global("torch", t.storageType) + str(t.key) + str("cpu") + int(t.numel) + [0x74, 0x51]
            p += int(t.offset)
            p += [0x28] + t.size.flatMap(int) + [0x74]
            p += [0x28] + t.stride.flatMap(int) + [0x74]
            p += [0x89] + global("collections", "OrderedDict") + [0x29, 0x52]
            p += [0x74, 0x52]  // TUPLE, REDUCE
        }
        p += [0x75, 0x2E]  // SETITEMS, STOP
        return p
    }

    /// A checkpoint archive: `ckpt/data.pkl` plus the given storages as `ckpt/data/<key>`.
    static func archive(pickle: [UInt8], storages: [(String, [UInt8])]) -> [UInt8] {
        var files = [WeightsTestZip.File(name: "ckpt/data.pkl", data: pickle)]
        files += storages.map { WeightsTestZip.File(name: "ckpt/data/\($0.0)", data: $0.1) }
        files.append(WeightsTestZip.File(name: "ckpt/byteorder", data: Array("little".utf8)))
        return WeightsTestZip.make(files)
    }

    static func floats(_ v: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for x in v { WeightsTestZip.weightLE(x.bitPattern, &out) }
        return out
    }
}
