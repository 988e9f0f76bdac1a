import Foundation
import Testing
@testable import GANCore

@Suite("Weights: safetensors")
struct WeightsSafeTensorsTests {
    func sample() throws -> StateDict {
        try StateDict([
            ("model.0.weight", TensorData(shape: [2, 3], values: [1, -2.5, 3.25, 0x1p-20, -0.0, 65504])),
            ("model.0.bias", TensorData(shape: [2], values: [.infinity, -.infinity])),
            ("scalar", TensorData(shape: [], values: [0.1])),
            ("empty", TensorData(shape: [0, 3], values: [])),
            ("odd \"name\"\\ü", TensorData(shape: [1], values: [Float(bitPattern: 0x7FC0_1234)])),
            ("bn.num_batches_tracked", TensorData(shape: [], values: [123], dtype: .i64)),
        ])
    }

    func bits(_ t: TensorData) -> [UInt32] { t.values.map(\.bitPattern) }

    /// A safetensors file with a hand-written header.
    func file(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        WeightsTestZip.weightLE(declaredLength ?? UInt64(h.count), &out)
        return out + h + data
    }

    @Test func f32RoundTripIsExact() throws {
        let sd = try sample()
        let meta = ["format": "pt", "note": "quote \" and newline \n"]
        let bytes = try SafeTensors.encode(sd, as: .f32, metadata: meta)
        let back = try SafeTensors.read(bytes: bytes)
        #expect(back.metadata == meta)
        #expect(back.tensors.names == sd.names)
        for (name, t) in sd {
            let u = try back.tensors.tensor(name, shape: t.shape)
            #expect(bits(u) == bits(t), "\(name)")
            #expect(u.dtype == (t.dtype == .i64 ? .i64 : .f32))
        }
    }

    @Test(arguments: [WeightDType.f16, .bf16])
    func halfRoundTripsWithinRounding(_ dtype: WeightDType) throws {
        var values: [Float] = []
        var x: Float = 1.0e-3
        while x * 1.37 < 6.0e4 { values.append(x); values.append(-x * 1.37); x *= 1.19 }
        let sd = try StateDict([("w", TensorData(shape: [values.count], values: values))])
        let back = try SafeTensors.read(bytes: SafeTensors.encode(sd, as: dtype)).tensors.tensor("w")
        #expect(back.dtype == dtype)
        let tol: Float = dtype == .f16 ? 0x1p-11 : 0x1p-8
        for (a, b) in zip(values, back.values) {
            #expect(abs(a - b) <= abs(a) * tol, "\(a) -> \(b)")
        }
        // Exactly the documented conversion.
        let expected = values.map { dtype == .f16 ? WeightHalfConversion.floatFromHalfBits(WeightHalfConversion.halfBits(from: $0))
                                                  : WeightHalfConversion.floatFromBF16Bits(WeightHalfConversion.bf16Bits(from: $0)) }
        #expect(back.values == expected)
    }

    @Test func headerIsPaddedAndIntegerTensorsKeepTheirDtype() throws {
        let bytes = try SafeTensors.encode(sample(), as: .bf16)
        let n = Int(bytes.weightLE(UInt64.self, at: 0)!)
        #expect((8 + n) % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.contains("\"bn.num_batches_tracked\":{\"dtype\":\"I64\""))
        #expect(throws: WeightFileError.self) { try SafeTensors.encode(sample(), as: .i64) }
        let bad = try StateDict([("i", TensorData(shape: [1], values: [1.5], dtype: .i64))])
        #expect(throws: WeightFileError.cannotEncode(file: "<memory>", tensor: "i", detail: "value 1.5 is not an integer representable as I64")) {
            try SafeTensors.encode(bad)
        }
    }

    @Test(arguments: ["tiny_f32.safetensors", "tiny_f16.safetensors", "tiny_bf16.safetensors"])
    func readsTorchWrittenFixtures(_ name: String) throws {
        let f = try SafeTensors.read(contentsOf: WeightFixtures.path(name))
        #expect(f.metadata == ["format": "pt", "source": "tools/make_weight_fixtures.py"])
        let expected = try WeightFixtures.expected(for: name)
        #expect(expected.count == 10)
        #expect(Set(f.tensors.names) == Set(expected.map(\.name)))
        let floatType: WeightDType = name.contains("f16") ? (name.contains("bf16") ? .bf16 : .f16) : .f32
        for e in expected {
            let t = try f.tensors.tensor(e.name, shape: e.shape)
            #expect(bits(t) == e.bits, "\(name) \(e.name)")
            #expect(t.dtype == (e.name.hasSuffix("num_batches_tracked") ? .i64 : floatType))
        }
    }

    @Test(arguments: [WeightDType.f16, .bf16])
    func encodingMatchesTorchRounding(_ dtype: WeightDType) throws {
        // torch's own f32 -> f16/bf16 conversion (round to nearest even) is in the fixtures.
        let f32 = try SafeTensors.read(contentsOf: WeightFixtures.path("tiny_f32.safetensors")).tensors
        let ours = try SafeTensors.read(bytes: SafeTensors.encode(f32, as: dtype)).tensors
        let theirs = try WeightFixtures.expected(for: dtype == .f16 ? "tiny_f16.safetensors" : "tiny_bf16.safetensors")
        for e in theirs where e.name != "model.3.running_mean" {  // torch rounds f64 directly, we round via f32
            #expect(bits(try ours.tensor(e.name)) == e.bits, "\(e.name)")
        }
    }

    @Test func writesAtomicallyAndOverwrites() throws {
        let dir = try WeightFixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/w.safetensors"
        try SafeTensors.write(sample(), to: path, as: .f32, metadata: ["k": "v"])
        let small = try StateDict([("x", TensorData(shape: [1], values: [2]))])
        try SafeTensors.write(small, to: path, as: .f16)
        let back = try SafeTensors.read(contentsOf: path)
        #expect(back.tensors.names == ["x"] && back.tensors["x"]?.values == [2] && back.metadata.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["w.safetensors"])  // no temp files left
        do {
            try SafeTensors.write(small, to: dir + "/missing/w.safetensors")
            Issue.record("expected an error")
        } catch {
            guard case .io(let file, _, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file.hasSuffix("missing/w.safetensors"))
        }
        #expect(throws: WeightFileError.self) { try SafeTensors.read(contentsOf: dir + "/nope.safetensors") }
    }

    @Test func everyTruncationFails() throws {
        let bytes = try SafeTensors.encode(sample(), as: .f16, metadata: ["a": "b"])
        for n in 0..<bytes.count {
            #expect(throws: WeightFileError.self, "prefix \(n)") { try SafeTensors.read(bytes: Array(bytes[..<n])) }
        }
    }

    @Test func flippedBytesNeverCrash() throws {
        let bytes = try WeightFixtures.bytes("tiny_bf16.safetensors")
        let headerEnd = 8 + Int(bytes.weightLE(UInt64.self, at: 0)!)
        var failures = 0
        for i in 0..<headerEnd {
            for mask: UInt8 in [0xFF, 0x01, 0x20] {
                var b = bytes
                b[i] ^= mask
                do { _ = try SafeTensors.read(bytes: b, fileName: "flipped") } catch {
                    failures += 1
                    #expect(error.description.hasPrefix("flipped: "))
                }
            }
        }
        #expect(failures > headerEnd)  // most header damage is detected
    }

    @Test func headerErrorsAreTyped() throws {
        let four: [UInt8] = [0, 0, 128, 63]
        // Sanity: a good hand-written file reads.
        let ok = try SafeTensors.read(bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four))
        #expect(ok.tensors["a"]?.values == [1])

        func expectError(_ bytes: [UInt8], _ check: (WeightFileError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try SafeTensors.read(bytes: bytes, fileName: "t.safetensors")
                Issue.record("expected an error", sourceLocation: sourceLocation)
            } catch {
                #expect(check(error), "\(error)", sourceLocation: sourceLocation)
                #expect(error.description.contains("t.safetensors"), sourceLocation: sourceLocation)
            }
        }
        func isTensor(_ name: String) -> (WeightFileError) -> Bool {
            { if case .invalidTensor(_, let t, _) = $0 { return t == name } else { return false } }
        }
        // Header length: huge, past the end.
        expectError(file("{}", data: [], declaredLength: 1 << 40)) { if case .limitExceeded = $0 { true } else { false } }
        expectError(file("{}", data: [], declaredLength: 3)) { if case .truncated = $0 { true } else { false } }
        // Malformed JSON and wrong shapes of JSON.
        for h in [#"{"a":}"#, #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, "[]", #"{"a":1} x"#,
                  #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                  #"{"__metadata__":{"k":1}}"#, "{\"\\ud800\":1}", "{\"a\u{01}\":1}"] {
            expectError(file(h, data: four)) {
                switch $0 { case .malformedHeader, .invalidTensor: true; default: false }
            }
        }
        expectError(file(#"{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#, data: four)) {
            $0 == .unknownDType(file: "t.safetensors", tensor: "a", dtype: "F8_E4M3")
        }
        expectError(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,4]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: four), isTensor("a"))
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}"#, data: four), isTensor("a"))
        // Offsets that lie: overlap, gap, leftover bytes.
        let eight = four + four
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight)) {
            if case .invalidLayout(_, let d) = $0 { d.contains("overlap") } else { false }
        }
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight)) {
            if case .invalidLayout(_, let d) = $0 { d.contains("gap") } else { false }
        }
        expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: eight)) {
            if case .invalidLayout = $0 { true } else { false }
        }
        expectError(file(#"{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}"#, data: four + [0, 0])) {
            if case .invalidLayout = $0 { true } else { false }
        }
        // Deep nesting is refused, not recursed into.
        let deep = #"{"__metadata__":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        expectError(file(deep, data: [])) { if case .malformedHeader = $0 { true } else { false } }
    }

    /// Random multi-byte damage to a whole file (deterministic seed): typed errors only.
    @Test func fuzzedFilesNeverCrash() throws {
        let bytes = try WeightFixtures.bytes("tiny_f16.safetensors")
        var rng: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Int {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Int(truncatingIfNeeded: rng >> 1)
        }
        let headerEnd = 8 + Int(bytes.weightLE(UInt64.self, at: 0)!)
        for _ in 0..<3000 {
            var b = bytes
            for _ in 0...(next() % 4) {
                let i = next() % headerEnd
                switch next() % 3 {
                case 0: b[i] = UInt8(truncatingIfNeeded: next())
                case 1: b.remove(at: i)
                default: b.insert(UInt8(truncatingIfNeeded: next()), at: i)
                }
            }
            _ = try? SafeTensors.read(bytes: b)
        }
    }
}
