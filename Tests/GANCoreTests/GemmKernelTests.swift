import Testing
@testable import GANCore

/// GANKit's sgemm (CKernels/sgemm.c) on every path this CPU supports (portable C always; AVX2+FMA and
/// AVX-512 where present) against a double-precision loop: transposes, beta 0 and 1, edge tiles,
/// leading dimensions wider than the matrices (whose padding must stay untouched), depths past one block.
struct GemmKernelTests {
    static let shapes = [(1, 1, 1), (7, 5, 3), (6, 64, 256), (13, 70, 300), (37, 129, 513), (64, 200, 17), (100, 130, 260)]

    @Test(arguments: [Int32(1), 2, 3])
    func pathMatchesReference(path: Int32) {
        var rng = SeededGenerator(seed: UInt64(path))
        var ran = false
        for (m, n, k) in Self.shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for beta: Float in [0, 1] {
                        let lda = (transposeA ? m : k) + 3, ldb = (transposeB ? k : n) + 1, ldc = n + 2
                        let a = Tensor.randomNormal([(transposeA ? k : m) * lda], using: &rng).scalars
                        let b = Tensor.randomNormal([(transposeB ? n : k) * ldb], using: &rng).scalars
                        var c = Tensor.randomNormal([m * ldc], using: &rng).scalars
                        var expected = c
                        for i in 0..<m {
                            for j in 0..<n {
                                var sum = 0.0
                                for p in 0..<k {
                                    let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                                    let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                                    sum += Double(x) * Double(y)
                                }
                                expected[i * ldc + j] = Float(sum + (beta == 0 ? 0 : Double(c[i * ldc + j])))
                            }
                        }
                        let supported = a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    gankitSgemm(path: path, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                alpha: 1, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                                beta: beta, c: pc.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                        if !supported {
                            #expect(path != 1, "the portable path is always available")
                            return
                        }
                        ran = true
                        var worst: Float = 0
                        for i in 0..<(m * ldc) { worst = max(worst, abs(c[i] - expected[i])) }
                        #expect(worst <= 1e-4 * Float(k).squareRoot() * 4,
                                "path \(path) \(m)x\(n)x\(k) tA \(transposeA) tB \(transposeB) beta \(beta): error \(worst)")
                    }
                }
            }
        }
        #expect(ran)
    }

    /// The products GANCore routes (`gemm`, split over the cores) agree on every kernel choice, for a
    /// shape large enough that `automatic` takes GANKit's kernel on an AVX-512 CPU.
    @Test func kernelChoicesAgree() {
        var rng = SeededGenerator(seed: 11)
        let m = 96, n = 300, k = 200
        let a = Tensor.randomNormal([k * m], using: &rng).scalars, b = Tensor.randomNormal([n * k], using: &rng).scalars
        var results: [[Float]] = []
        for kernel in [GemmKernel.openBLAS, .gankit] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        kernel.product(transposeA: true, transposeB: true, m: m, n: n, k: k,
                                       a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                    }
                }
            }
            results.append(c)
        }
        let worst = zip(results[0], results[1]).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-3, "openblas vs gankit: \(worst)")
    }

    /// The bfloat16 kernel (where the CPU has AVX512_BF16) against the float32 one: operands rounded to
    /// 8 significant bits give errors of about 2⁻⁸ · sqrt(k) · |a||b| on standard-normal data.
    @Test func bfloat16MatchesFloat32WithinRounding() {
        var rng = SeededGenerator(seed: 12)
        for (m, n, k) in [(7, 5, 3), (13, 70, 301), (37, 129, 513)] {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true)] {
                let a = Tensor.randomNormal([m * k], using: &rng).scalars, b = Tensor.randomNormal([k * n], using: &rng).scalars
                var exact = [Float](repeating: 0, count: m * n), rounded = exact
                let lda = transposeA ? m : k, ldb = transposeB ? k : n
                let ran = a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        exact.withUnsafeMutableBufferPointer { pe in
                            rounded.withUnsafeMutableBufferPointer { pr in
                                _ = gankitSgemm(path: 1, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                                a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: 0, c: pe.baseAddress!, ldc: n)
                                return gankitSgemmBF16(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                       a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                                       beta: 0, c: pr.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
                guard ran else { return }  // no AVX512_BF16 on this CPU
                let worst = zip(exact, rounded).map { abs($0 - $1) }.max()!
                #expect(worst <= 0.02 * Float(k).squareRoot(), "\(m)x\(n)x\(k): bf16 error \(worst)")
                #expect(worst > 0 || k < 2, "bf16 rounding should show")
            }
        }
    }

    /// A random-weight ResnetGenerator (outputs in [-1, 1]) under `InferencePrecision.bfloat16` stays
    /// within 0.05 (max abs) and 0.01 (mean abs) of float32, and the float32 output is unchanged by
    /// having run it (bit for bit); with gradients recorded, bfloat16 is not used.
    @Test func bfloat16GeneratorStaysNearFloat32() {
        var rng = SeededGenerator(seed: 13)
        let generator = ResnetGenerator(options: NetworkOptions(ngf: 16, resnetBlocks: 2), using: &rng)
        generator.eval()
        let input = Variable(Tensor.randomNormal([1, 3, 32, 32], using: &rng))
        let before = withNoGrad { generator(input).value.scalars }
        let rounded = InferencePrecision.$current.withValue(.bfloat16) { withNoGrad { generator(input).value.scalars } }
        let recorded = InferencePrecision.$current.withValue(.bfloat16) { generator(input).value.scalars }
        let after = withNoGrad { generator(input).value.scalars }
        #expect(after == before)
        #expect(recorded == before)
        let differences = zip(before, rounded).map { abs($0 - $1) }
        let worst = differences.max()!, mean = differences.reduce(0, +) / Float(differences.count)
        #expect(worst <= 0.05 && mean <= 0.01, "bf16 vs float32: max \(worst), mean \(mean)")
        if InferencePrecision.bfloat16Supported { #expect(worst > 0, "bf16 products should round") }
    }
}
