import Foundation
import Testing
@testable import GANCore

@Suite("Weights: PyTorch checkpoints")
struct WeightsTorchTests {
    func bits(_ t: TensorData) -> [UInt32] { t.values.map(\.bitPattern) }

    func expectError(_ bytes: [UInt8], _ check: (WeightFileError) -> Bool,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try TorchCheckpoint.read(bytes: bytes, fileName: "t.pth")
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            #expect(check(error), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("t.pth: "), sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["tiny.pth", "tiny_ckpt.pth"])
    func readsTorchSaveOutput(_ name: String) throws {
        let sd = try TorchCheckpoint.read(contentsOf: WeightFixtures.path(name))
        let expected = try WeightFixtures.expected(for: "tiny.pth")
        #expect(sd.names == expected.map(\.name))
        for e in expected {
            let t = try sd.tensor(e.name, shape: e.shape)
            #expect(bits(t) == e.bits, "\(e.name)")
        }
        #expect(sd["model.1.weight"]?.values == [-0.75, 0.75, 2.25, 3.75, -0.5, 1.0, 2.5, 4.0, -0.25, 1.25, 2.75, 4.25,
                                                 0.0, 1.5, 3.0, 4.5, 0.25, 1.75, 3.25, 4.75])  // transposed view, offset 1
        #expect(sd["model.1.bias"]?.values == [0.25, 0.5, 0.75, 1.0])                    // offset 5
        #expect(sd["model.2.weight"]?.dtype == .f16)
        #expect(sd["model.2.bias"]?.dtype == .bf16)
        #expect(sd["model.3.running_mean"]?.dtype == .f64)
        #expect(sd["model.3.num_batches_tracked"] == TensorData(shape: [], values: [7], dtype: .i64))
        #expect(sd["scalar"] == TensorData(shape: [], values: [3.5], dtype: .f32))
    }

    @Test func pthAndSafetensorsAgree() throws {
        let pth = try TorchCheckpoint.read(contentsOf: WeightFixtures.path("tiny.pth"))
        let st = try SafeTensors.read(contentsOf: WeightFixtures.path("tiny_f32.safetensors")).tensors
        for (name, t) in pth where t.dtype != .f16 && t.dtype != .bf16 {
            #expect(bits(t) == bits(try st.tensor(name, shape: t.shape)), "\(name)")
        }
    }

    @Test func maliciousPickleIsRefusedNamingTheGlobal() throws {
        do {
            _ = try TorchCheckpoint.read(contentsOf: WeightFixtures.path("evil_system.pth"))
            Issue.record("malicious checkpoint loaded")
        } catch {
            #expect(error == .forbiddenGlobal(file: WeightFixtures.path("evil_system.pth"), module: "posix", name: "system"))
            #expect(error.description.contains("posix.system"))
        }
        do {
            _ = try TorchCheckpoint.read(contentsOf: WeightFixtures.path("evil_eval.pth"))
            Issue.record("malicious checkpoint loaded")
        } catch {
            #expect(error == .forbiddenGlobal(file: WeightFixtures.path("evil_eval.pth"), module: "builtins", name: "eval"))
        }
    }

    @Test func nothingRunsForAnyForbiddenGlobal() throws {
        let dir = try WeightFixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/pwned"
        let command = "touch " + marker
        let calls: [(String, String, [UInt8])] = [
            ("posix", "system", WeightsTestPickle.global("posix", "system")),
            ("os", "system", WeightsTestPickle.global("os", "system")),
            ("builtins", "exec", WeightsTestPickle.global("builtins", "exec")),
            ("subprocess", "call", WeightsTestPickle.str("subprocess") + WeightsTestPickle.str("call") + [0x93]),  // STACK_GLOBAL
            ("torch", "load", WeightsTestPickle.global("torch", "load")),
        ]
        for (module, name, callable) in calls {
            let pickle: [UInt8] = [0x80, 0x02] + callable + WeightsTestPickle.str(command) + [0x85, 0x52, 0x2E]
            expectError(WeightsTestPickle.archive(pickle: pickle, storages: [])) {
                $0 == .forbiddenGlobal(file: "t.pth", module: module, name: name)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func tarAndCompressedAreRefused() throws {
        // A tar-format checkpoint (torch < 0.1.10): "ustar" at byte 257. (Pickle-stream legacy files load:
        // WeightsTorchLegacyTests.)
        var tar = [UInt8](repeating: 0, count: 512)
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        expectError(tar) { $0 == .legacyFormat(file: "t.pth") }
        #expect(WeightFileError.legacyFormat(file: "x").description.contains("tar-format checkpoint of torch < 0.1.10"))
        do {
            _ = try TorchCheckpoint.read(contentsOf: WeightFixtures.path("compressed.pth"))
            Issue.record("compressed archive accepted")
        } catch {
            guard case .compressedEntry(_, let entry, let method) = error else { Issue.record("\(error)"); return }
            #expect(entry.hasPrefix("compressed/") && method == 8)
        }
        expectError(Array("hello world".utf8)) { $0 == .notAZipArchive(file: "t.pth") }
        expectError([]) { if case .truncated = $0 { true } else { false } }
        // A safetensors file handed to the checkpoint reader.
        expectError(try WeightFixtures.bytes("tiny_f32.safetensors")) { $0 == .notAZipArchive(file: "t.pth") }
    }

    @Test func everyTruncationFails() throws {
        let bytes = try WeightFixtures.bytes("tiny.pth")
        for n in 0..<bytes.count {
            #expect(throws: WeightFileError.self, "prefix \(n)") { try TorchCheckpoint.read(bytes: Array(bytes[..<n])) }
        }
    }

    @Test func flippedBytesNeverCrash() throws {
        let bytes = try WeightFixtures.bytes("tiny.pth")
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

    @Test func corruptedCRCIsDetected() throws {
        var bytes = try WeightFixtures.bytes("tiny.pth")
        let archive = try WeightZipArchive(bytes: bytes, file: "x")
        let e = try #require(archive.entry(named: "tiny/data/0"))
        bytes[e.dataOffset + 3] ^= 0x10
        expectError(bytes) { if case .corruptArchive(_, let d) = $0 { d.contains("CRC") && d.contains("tiny/data/0") } else { false } }
    }

    @Test func zipEntryClaimingGigabytesIsRefusedBeforeAllocating() throws {
        // Patch the central-directory sizes of tiny/data.pkl to claim 3 GiB.
        var bytes = try WeightFixtures.bytes("tiny.pth")
        let name = Array("tiny/data.pkl".utf8)
        var p = 0
        var found = false
        while p + 46 + name.count <= bytes.count {
            if bytes.weightLE(UInt32.self, at: p) == 0x0201_4B50, Array(bytes[(p + 46)..<(p + 46 + name.count)]) == name { found = true; break }
            p += 1
        }
        #expect(found)
        for i in 0..<4 { bytes[p + 20 + i] = [0, 0, 0, 0xC0][i]; bytes[p + 24 + i] = [0, 0, 0, 0xC0][i] }
        expectError(bytes) { if case .corruptArchive(_, let d) = $0 { d.contains("3221225472") } else { false } }

        // zip64 sizes over the 4 GiB total limit.
        let huge = WeightsTestZip.make([WeightsTestZip.File(name: "ckpt/data.pkl", data: [0x80, 0x02], claimedSize: 5 << 30)])
        expectError(huge) { if case .limitExceeded = $0 { true } else { false } }
        let many = WeightsTestZip.make([WeightsTestZip.File(name: "a/data.pkl", data: [1], claimedSize: 3 << 30),
                                 WeightsTestZip.File(name: "a/data/0", data: [1], claimedSize: 3 << 30)])
        expectError(many) { switch $0 { case .limitExceeded, .corruptArchive: true; default: false } }
        let absurd = WeightsTestZip.make([WeightsTestZip.File(name: "ckpt/data.pkl", data: [1], claimedSize: UInt64.max)])
        expectError(absurd) { if case .limitExceeded = $0 { true } else { false } }
    }

    @Test func syntheticCheckpointWithStrides() throws {
        let storage = WeightsTestPickle.floats((0..<12).map(Float.init))
        let pickle = WeightsTestPickle.stateDict([
            .init(name: "t", numel: 12, offset: 1, size: [3, 2], stride: [1, 4]),       // transposed-ish view
            .init(name: "b", numel: 12, offset: 0, size: [2, 3], stride: [0, 1]),       // broadcast
            .init(name: "e", numel: 12, offset: 11, size: [0, 5], stride: [5, 1]),      // empty
            .init(name: "s", numel: 12, offset: 11, size: [1, 1], stride: [Int.max, 9]), // size-1 dims ignore stride
        ])
        let sd = try TorchCheckpoint.read(bytes: WeightsTestPickle.archive(pickle: pickle, storages: [("0", storage)]))
        #expect(sd["t"]?.values == [1, 5, 2, 6, 3, 7])
        #expect(sd["b"]?.values == [0, 1, 2, 0, 1, 2])
        #expect(sd["e"]?.shape == [0, 5] && sd["e"]?.values == [])
        #expect(sd["s"]?.values == [11])
    }

    @Test func manyViewsOfOneStorageCannotInflateTheFile() throws {
        // 1000 floats (4000 bytes) viewed whole by n tensors: allowed while the views hold at most
        // 4 elements per stored byte plus 2^20 (1,064,576 here), refused beyond.
        let storage = WeightsTestPickle.floats((0..<1000).map(Float.init))
        func archive(views n: Int) -> [UInt8] {
            let specs = (0..<n).map { WeightsTestPickle.TensorSpec(name: "w\($0)", numel: 1000, offset: 0, size: [1000], stride: [1]) }
            return WeightsTestPickle.archive(pickle: WeightsTestPickle.stateDict(specs), storages: [("0", storage)])
        }
        #expect(try TorchCheckpoint.read(bytes: archive(views: 1000)).count == 1000)
        expectError(archive(views: 1100)) { if case .limitExceeded = $0 { true } else { false } }
    }

    @Test func syntheticCheckpointErrors() throws {
        let storage = WeightsTestPickle.floats([1, 2, 3, 4])
        func archive(_ spec: WeightsTestPickle.TensorSpec, storages: [(String, [UInt8])]? = nil) -> [UInt8] {
            WeightsTestPickle.archive(pickle: WeightsTestPickle.stateDict([spec]), storages: storages ?? [("0", storage)])
        }
        func isTensor(_ name: String) -> (WeightFileError) -> Bool {
            { if case .invalidTensor(_, let t, _) = $0 { t == name } else { false } }
        }
        expectError(archive(.init(name: "w", numel: 4, offset: 1, size: [4], stride: [1])), isTensor("w"))       // past the end
        expectError(archive(.init(name: "w", numel: 4, offset: 0, size: [2, 2], stride: [3, 1])), isTensor("w")) // strided past the end
        expectError(archive(.init(name: "w", numel: 4, offset: -1, size: [1], stride: [1])), isTensor("w"))
        expectError(archive(.init(name: "w", numel: 4, offset: 0, size: [2], stride: [-1])), isTensor("w"))
        expectError(archive(.init(name: "w", numel: 4, offset: 0, size: [2], stride: [1, 1])), isTensor("w"))
        expectError(archive(.init(name: "w", numel: 5, offset: 0, size: [4], stride: [1])), isTensor("w"))       // storage size lies
        expectError(archive(.init(name: "w", key: "9", numel: 4, size: [4], stride: [1])), isTensor("w"))        // missing storage
        expectError(archive(.init(name: "w", numel: 4, offset: 0, size: [Int.max / 2, 4], stride: [1, 1]))) {
            if case .limitExceeded = $0 { true } else { false }
        }
        expectError(archive(.init(name: "w", numel: 4, offset: 0, size: [1 << 20, 1 << 20], stride: [0, 0]))) {  // broadcast bomb
            if case .limitExceeded = $0 { true } else { false }
        }
        expectError(archive(.init(name: "w", storageType: "ComplexFloatStorage", numel: 4, size: [4], stride: [1]))) {
            $0 == .forbiddenGlobal(file: "t.pth", module: "torch", name: "ComplexFloatStorage")
        }
    }

    @Test func malformedPicklesAreTyped() throws {
        let bad: [[UInt8]] = [
            [],                                   // empty
            [0x80, 0x02],                         // no STOP
            [0x80, 0x09, 0x7D, 0x2E],             // protocol 9
            [0x80, 0x02, 0x2E],                   // STOP on empty stack
            [0x80, 0x02, 0x68, 0x05, 0x2E],       // BINGET of undefined memo
            [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], // string longer than the data
            [0x80, 0x02, 0x69, 0x2E],             // INST (forbidden opcode)
            [0x80, 0x02, 0x7D, 0x75, 0x2E],       // SETITEMS without MARK
            [0x80, 0x02, 0x7D, 0x28, 0x4B, 0x01, 0x75, 0x2E], // odd SETITEMS
            [0x80, 0x02, 0x4B, 0x01, 0x73, 0x2E], // SETITEM on an int
            [0x80, 0x02, 0x29, 0x29, 0x52, 0x2E], // REDUCE on a tuple
            [0x80, 0x02, 0x28, 0x30, 0x2E],       // POP across MARK
            [0x80, 0x02, 0x8A, 0x09] + [UInt8](repeating: 1, count: 9) + [0x2E], // 9-byte LONG1
            [0x80, 0x02, 0x4B, 0x01, 0x2E],       // top level is an int
            [0x80, 0x02, 0x7D, 0x28, 0x58, 0x01, 0, 0, 0, 0x61, 0x4B, 0x01, 0x75, 0x2E], // value not a tensor
            [0x80, 0x02, 0x7D, 0x51, 0x2E],       // BINPERSID with a dict
            [0x80, 0x02, 0x63] + Array("collections".utf8), // unterminated GLOBAL
            [0x80, 0x02, 0x63] + [UInt8](repeating: 0x61, count: 1000) + [0x0A], // absurd GLOBAL
        ]
        for p in bad {
            expectError(WeightsTestPickle.archive(pickle: p, storages: [])) {
                switch $0 { case .malformedPickle, .unsupportedContent: true; default: false }
            }
        }
        // Deeply nested tuples and self-referencing lists are built without recursion.
        let deep: [UInt8] = [0x80, 0x02] + [UInt8](repeating: 0x29, count: 1) + [UInt8](repeating: 0x85, count: 100_000) + [0x2E]
        expectError(WeightsTestPickle.archive(pickle: deep, storages: [])) { if case .unsupportedContent = $0 { true } else { false } }
        let cyclic: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]  // l = []; l.append(l)
        expectError(WeightsTestPickle.archive(pickle: cyclic, storages: [])) { if case .unsupportedContent = $0 { true } else { false } }
        // A dict with a state_dict entry that is not a dict of tensors.
        let wrong: [UInt8] = [0x80, 0x02, 0x7D, 0x28] + WeightsTestPickle.str("state_dict") + [0x4B, 0x01, 0x75, 0x2E]
        expectError(WeightsTestPickle.archive(pickle: wrong, storages: [])) { if case .unsupportedContent(_, let d) = $0 { d.contains("state_dict") } else { false } }
        // Empty dict: an empty state dict.
        #expect(try TorchCheckpoint.read(bytes: WeightsTestPickle.archive(pickle: [0x80, 0x02, 0x7D, 0x2E], storages: [])).isEmpty)
        // Other keys next to 'model' are fine.
        let storage = WeightsTestPickle.floats([1, 2])
        var nested: [UInt8] = [0x80, 0x02, 0x7D, 0x28] + WeightsTestPickle.str("epoch") + [0x4B, 0x05] + WeightsTestPickle.str("model")
        nested += WeightsTestPickle.stateDict([.init(name: "w", numel: 2, size: [2], stride: [1])]).dropFirst(2).dropLast(1)
        nested += [0x75, 0x2E]
        let nestedArchive = WeightsTestPickle.archive(pickle: nested, storages: [("0", storage)])
        let sd = try TorchCheckpoint.read(bytes: nestedArchive)
        #expect(sd["w"]?.values == [1, 2])
        #expect(try TorchCheckpoint.read(bytes: nestedArchive, entry: "model") == sd)
        do {
            _ = try TorchCheckpoint.read(bytes: nestedArchive, fileName: "t.pth", entry: "netG")
            Issue.record("expected an error")
        } catch {
            #expect(error == .unsupportedContent(file: "t.pth", detail: "no top-level entry 'netG'"))
        }
        do {
            _ = try TorchCheckpoint.read(bytes: nestedArchive, fileName: "t.pth", entry: "epoch")
            Issue.record("expected an error")
        } catch {
            #expect(error == .unsupportedContent(file: "t.pth", detail: "entry 'epoch' is not a dict of tensors"))
        }

    }

    @Test func archivePrefixIsFoundAndAmbiguityRefused() throws {
        let p: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        let other = WeightsTestZip.make([WeightsTestZip.File(name: "some-other_stem/data.pkl", data: p)])
        #expect(try TorchCheckpoint.read(bytes: other).isEmpty)
        let two = WeightsTestZip.make([WeightsTestZip.File(name: "a/data.pkl", data: p), WeightsTestZip.File(name: "b/data.pkl", data: p)])
        expectError(two) { if case .unsupportedContent = $0 { true } else { false } }
        let none = WeightsTestZip.make([WeightsTestZip.File(name: "data.pkl", data: p)])
        expectError(none) { if case .unsupportedContent = $0 { true } else { false } }
        let dup = WeightsTestZip.make([WeightsTestZip.File(name: "a/data.pkl", data: p), WeightsTestZip.File(name: "a/data.pkl", data: p)])
        expectError(dup) { if case .corruptArchive = $0 { true } else { false } }
        let big = WeightsTestZip.make([WeightsTestZip.File(name: "a/data.pkl", data: p), WeightsTestZip.File(name: "a/byteorder", data: Array("big".utf8))])
        expectError(big) { if case .unsupportedContent = $0 { true } else { false } }
    }

    @Test func formatIsSniffedFromContent() throws {
        let a = try StateDict(contentsOf: WeightFixtures.path("tiny.pth"))
        let b = try StateDict(contentsOf: WeightFixtures.path("tiny_f32.safetensors"))
        #expect(Set(a.names) == Set(b.names))
        #expect(a["model.0.weight"] == b["model.0.weight"])
        let legacy = try StateDict(contentsOf: WeightFixtures.path("legacy.pth"))
        #expect(legacy.names == a.names && legacy["model.0.weight"] == a["model.0.weight"])
        #expect(throws: WeightFileError.self) { try StateDict(bytes: Array("junk".utf8)) }
    }

    /// Mutates tiny.pth's pickle at random (deterministic seed), repackages it with valid
    /// CRCs so the unpickler itself sees the damage, and checks nothing crashes.
    @Test func fuzzedPicklesNeverCrash() throws {
        let bytes = try WeightFixtures.bytes("tiny.pth")
        let archive = try WeightZipArchive(bytes: bytes, file: "tiny.pth")
        func data(_ name: String) -> [UInt8] {
            let e = archive.entry(named: name)!
            return Array(bytes[e.dataOffset..<(e.dataOffset + e.size)])
        }
        let pickle = data("tiny/data.pkl")
        let storages = (0...8).map { ("\($0)", data("tiny/data/\($0)")) }
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Int(truncatingIfNeeded: rng >> 1)
        }
        var loaded = 0
        for _ in 0..<3000 {
            var p = pickle
            for _ in 0...(next() % 4) {
                let i = next() % p.count
                switch next() % 4 {
                case 0: p[i] = UInt8(truncatingIfNeeded: next())
                case 1: p.remove(at: i)
                case 2: p.insert(UInt8(truncatingIfNeeded: next()), at: i)
                default: p[i] ^= 1 << UInt8(next() % 8)
                }
            }
            if (try? TorchCheckpoint.read(bytes: WeightsTestPickle.archive(pickle: p, storages: storages))) != nil { loaded += 1 }
        }
        #expect(loaded < 3000)
    }
}
