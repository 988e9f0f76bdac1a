import Foundation
import Testing
@testable import GANCore

/// Builds legacy (pre-1.6) `torch.save` streams: magic, version, sys_info, object, keys, storages.
enum LegacyStream {
    static let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + TorchLegacyCheckpoint.magic + [0x2E]
    static let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
    static func sysInfo(littleEndian: Bool = true) -> [UInt8] {
        [0x80, 0x02, 0x7D] + WeightsTestPickle.str("little_endian") + [littleEndian ? 0x88 : 0x89, 0x73, 0x2E]
    }

    struct Tensor {
        var name: String
        var storageType = "FloatStorage"
        var key: String
        var numel: Int
        var view: (key: String, offset: Int, size: Int)? = nil
        var rebuild = "_rebuild_tensor_v2"
        var offset = 0
        var size: [Int]
        var stride: [Int]
    }

    /// The object pickle: an OrderedDict of tensors with 6-element persistent ids; `python2` writes every string as
    /// Python 2 does (SHORT_BINSTRING).
    static func object(_ tensors: [Tensor], python2: Bool = false) -> [UInt8] {
        typealias P = WeightsTestPickle
        func str(_ s: String) -> [UInt8] {
            python2 ? [0x55, UInt8(s.utf8.count)] + Array(s.utf8) : P.str(s)
        }
        var p: [UInt8] = [0x80, 0x02]
        p += P.global("collections", "OrderedDict") + [0x29, 0x52, 0x28]
        for t in tensors {
            p += str(t.name) + P.global("torch._utils", t.rebuild) + [0x28]
            p += [0x28] + str("storage") + P.global("torch", t.storageType) + str(t.key) + str("cuda:0") + P.int(t.numel)
            if let v = t.view { p += [0x28] + str(v.key) + P.int(v.offset) + P.int(v.size) + [0x74] } else { p += [0x4E] }
            p += [0x74, 0x51]
            p += P.int(t.offset) + [0x28] + t.size.flatMap(P.int) + [0x74] + [0x28] + t.stride.flatMap(P.int) + [0x74]
            if t.rebuild == "_rebuild_tensor_v2" { p += [0x89] + P.global("collections", "OrderedDict") + [0x29, 0x52] }
            p += [0x74, 0x52]
        }
        return p + [0x75, 0x2E]
    }

    static func keys(_ keys: [String]) -> [UInt8] {
        [0x80, 0x02, 0x5D, 0x28] + keys.flatMap(WeightsTestPickle.str) + [0x65, 0x2E]
    }

    static func storage(_ values: [Float], count: UInt64? = nil) -> [UInt8] {
        var out: [UInt8] = []
        WeightsTestZip.weightLE(count ?? UInt64(values.count), &out)
        return out + WeightsTestPickle.floats(values)
    }

    static func file(_ tensors: [Tensor], storages: [(String, [UInt8])]) -> [UInt8] {
        magic + version + sysInfo() + object(tensors) + keys(storages.map(\.0)) + storages.flatMap(\.1)
    }
}

@Suite("Weights: legacy PyTorch checkpoints")
struct WeightsTorchLegacyTests {
    func bits(_ t: TensorData) -> [UInt32] { t.values.map(\.bitPattern) }

    func expectError(_ bytes: [UInt8], _ check: (WeightFileError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try TorchCheckpoint.read(bytes: bytes, fileName: "old.pth")
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            #expect(check(error), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("old.pth: "), sourceLocation: sourceLocation)
        }
    }

    /// legacy.pth is torch.save(..., _use_new_zipfile_serialization=False) of tiny.pth's dict (views sharing one
    /// storage, f16, bf16, f64, int64): the same names, shapes, dtypes and bit-exact values.
    @Test func readsTorchLegacySaveOutputExactly() throws {
        let path = WeightFixtures.path("legacy.pth")
        #expect(TorchLegacyCheckpoint.endOfMagic(try WeightFixtures.bytes("legacy.pth")) != nil)
        for sd in [try TorchCheckpoint.read(contentsOf: path), try StateDict(contentsOf: path)] {
            let expected = try WeightFixtures.expected(for: "tiny.pth")
            #expect(sd.names == expected.map(\.name))
            for e in expected {
                let t = try sd.tensor(e.name, shape: e.shape)
                #expect(bits(t) == e.bits, "\(e.name)")
            }
            let zip = try TorchCheckpoint.read(contentsOf: WeightFixtures.path("tiny.pth"))
            for (name, t) in zip { #expect(sd[name] == t, "\(name)") }
        }
    }

    /// A junyanz-style generator checkpoint saved from DataParallel: `module.` is stripped and it loads strictly.
    @Test func dataParallelGeneratorCheckpointLoads() throws {
        let path = WeightFixtures.repoRoot() + "/Fixtures/import/tiny_G_A.pth"
        let sd = try StateDict(contentsOf: path)
        #expect(sd.names.first == "model.1.weight")
        #expect(!sd.names.contains { $0.hasPrefix("module.") })
        var rng = SeededGenerator(seed: 5)
        let g = ResnetGenerator(options: NetworkOptions(ngf: 2, resnetBlocks: 1), using: &rng)
        try g.load(sd, strict: true)
        #expect(g.stateDict()["model.1.weight"] == sd["model.1.weight"])
    }

    @Test func handBuiltStreamWithViewsOldRebuildAndPrefix() throws {
        let bytes = LegacyStream.file([
            .init(name: "module.a", key: "7", numel: 6, size: [2, 3], stride: [3, 1]),
            // A legacy storage view (view_metadata) of elements 2..<6 of storage 7, read with torch < 0.4's rebuild.
            .init(name: "module.b", key: "7", numel: 6, view: ("9", 2, 4), rebuild: "_rebuild_tensor", offset: 1, size: [2], stride: [2]),
            .init(name: "module.c", storageType: "DoubleStorage", key: "8", numel: 1, size: [], stride: []),
        ], storages: [("7", LegacyStream.storage([0, 1, 2, 3, 4, 5])),
                      ("8", { var o: [UInt8] = []; WeightsTestZip.weightLE(UInt64(1), &o); WeightsTestZip.weightLE((2.5).bitPattern, &o); return o }())])
        let sd = try TorchCheckpoint.read(bytes: bytes, fileName: "old.pth")
        #expect(sd.names == ["a", "b", "c"])
        #expect(sd["a"] == TensorData(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]))
        #expect(sd["b"] == TensorData(shape: [2], values: [3, 5]))
        #expect(sd["c"] == TensorData(shape: [], values: [2.5], dtype: .f64))
        // Not every name has the prefix: nothing is stripped.
        let mixed = LegacyStream.file([.init(name: "module.a", key: "1", numel: 1, size: [1], stride: [1]),
                                       .init(name: "b", key: "1", numel: 1, size: [1], stride: [1])],
                                      storages: [("1", LegacyStream.storage([4]))])
        #expect(try TorchCheckpoint.read(bytes: mixed).names == ["module.a", "b"])
    }

    /// Checkpoints saved under Python 2 (2017) pickle names and keys as Python 2 `str` (SHORT_BINSTRING).
    @Test func python2StringsAreNames() throws {
        let t = [LegacyStream.Tensor(name: "model.1.weight", key: "140234", numel: 2, rebuild: "_rebuild_tensor", size: [2], stride: [1])]
        let bytes = LegacyStream.magic + LegacyStream.version + LegacyStream.sysInfo() + LegacyStream.object(t, python2: true)
            + [0x80, 0x02, 0x5D, 0x28, 0x55, 6] + Array("140234".utf8) + [0x65, 0x2E] + LegacyStream.storage([1.5, -2])
        let sd = try TorchCheckpoint.read(bytes: bytes, fileName: "old.pth")
        #expect(sd.names == ["model.1.weight"] && sd["model.1.weight"]?.values == [1.5, -2])
    }

    @Test func everyTruncationIsATypedError() throws {
        let bytes = try WeightFixtures.bytes("legacy.pth")
        for n in 0..<bytes.count {
            do {
                _ = try TorchCheckpoint.read(bytes: Array(bytes[..<n]), fileName: "old.pth")
                Issue.record("prefix \(n) loaded")
            } catch {
                #expect(error.description.hasPrefix("old.pth: "))
            }
        }
        // Cut inside the storages: reported as truncation, naming the storage.
        do {
            _ = try TorchCheckpoint.read(bytes: Array(bytes.dropLast(3)), fileName: "old.pth")
            Issue.record("truncated file loaded")
        } catch {
            guard case let .truncated(_, detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("storage '"))
        }
    }

    @Test func flippedBytesNeverCrash() throws {
        let bytes = try WeightFixtures.bytes("legacy.pth")
        var failures = 0
        for i in 0..<bytes.count {
            for mask: UInt8 in [0xFF, 0x01, 0x80] {
                var b = bytes
                b[i] ^= mask
                do { _ = try TorchCheckpoint.read(bytes: b) } catch { failures += 1 }
            }
        }
        #expect(failures > bytes.count)
    }

    @Test func corruptSizesAreRefusedBeforeAllocating() throws {
        let t = [LegacyStream.Tensor(name: "w", key: "1", numel: 2, size: [2], stride: [1])]
        // Element count in the data section disagrees with the pickle.
        expectError(LegacyStream.file(t, storages: [("1", LegacyStream.storage([1, 2], count: 3))])) {
            if case let .invalidLayout(_, d) = $0 { d.contains("storage '1' holds 3 elements") } else { false }
        }
        // A huge declared size is checked against the file, not allocated.
        let huge = [LegacyStream.Tensor(name: "w", key: "1", numel: 1 << 60, size: [2], stride: [1])]
        expectError(LegacyStream.file(huge, storages: [("1", LegacyStream.storage([1, 2], count: 1 << 60))])) {
            if case .truncated = $0 { true } else { false }
        }
        // Trailing bytes, a storage missing from the data section, a listed storage nobody uses, a view past the end.
        expectError(LegacyStream.file(t, storages: [("1", LegacyStream.storage([1, 2]))]) + [0]) {
            if case .invalidLayout = $0 { true } else { false }
        }
        expectError(LegacyStream.file(t, storages: [])) { if case .invalidTensor = $0 { true } else { false } }
        expectError(LegacyStream.file(t, storages: [("1", LegacyStream.storage([1, 2])), ("2", LegacyStream.storage([3]))])) {
            if case .unsupportedContent = $0 { true } else { false }
        }
        let past = [LegacyStream.Tensor(name: "w", key: "1", numel: 2, offset: 1, size: [2], stride: [1])]
        expectError(LegacyStream.file(past, storages: [("1", LegacyStream.storage([1, 2]))])) {
            if case .invalidTensor = $0 { true } else { false }
        }
        let badView = [LegacyStream.Tensor(name: "w", key: "1", numel: 2, view: ("3", 1, 5), size: [1], stride: [1])]
        expectError(LegacyStream.file(badView, storages: [("1", LegacyStream.storage([1, 2]))])) {
            if case .malformedPickle = $0 { true } else { false }
        }
        // Wrong protocol version, big-endian, a pickle without the magic number.
        let body = LegacyStream.object(t) + LegacyStream.keys(["1"]) + LegacyStream.storage([1, 2])
        expectError(LegacyStream.magic + [0x80, 0x02, 0x4B, 0x07, 0x2E] + LegacyStream.sysInfo() + body) {
            if case let .unsupportedContent(_, d) = $0 { d.contains("version 7") } else { false }
        }
        expectError(LegacyStream.magic + LegacyStream.version + LegacyStream.sysInfo(littleEndian: false) + body) {
            if case let .unsupportedContent(_, d) = $0 { d.contains("big-endian") } else { false }
        }
        expectError(LegacyStream.version + body) { if case .unsupportedContent = $0 { true } else { false } }
    }

    @Test func maliciousLegacyPickleIsRefusedNamingTheGlobal() throws {
        let path = WeightFixtures.repoRoot() + "/Fixtures/import/evil_legacy.pth"
        #expect(throws: WeightFileError.forbiddenGlobal(file: path, module: "posix", name: "system")) {
            try StateDict(contentsOf: path)
        }
        let dir = try WeightFixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/pwned"
        let evil: [UInt8] = [0x80, 0x02] + WeightsTestPickle.global("os", "system") + WeightsTestPickle.str("touch " + marker) + [0x85, 0x52, 0x2E]
        let bytes = LegacyStream.magic + LegacyStream.version + LegacyStream.sysInfo() + evil + LegacyStream.keys([])
        do {
            _ = try TorchCheckpoint.read(bytes: bytes, fileName: "old.pth")
            Issue.record("malicious legacy checkpoint loaded")
        } catch {
            #expect(error == .forbiddenGlobal(file: "old.pth", module: "os", name: "system"))
            #expect(error.description.contains("'os.system'"))
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func neitherFormatIsRefused() throws {
        expectError(Array("hello world, not a checkpoint".utf8)) { $0 == .notAZipArchive(file: "old.pth") }
        #expect(WeightFileError.notAZipArchive(file: "x").description.contains("neither a zip archive nor a legacy"))
    }
}
