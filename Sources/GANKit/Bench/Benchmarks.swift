import Foundation
import GANCore

/// Timings of the work GANKit's models do, with the FLOPs behind them, for `gantool bench`.
/// Run it from a release build: debug builds are many times slower.
public enum Benchmarks {
    /// The raw sgemm rate on the residual blocks' im2col shape (the ceiling of the im2col route).
    public static func sgemm(m: Int = 256, n: Int = 4096, k: Int = 2304, repeats: Int = 5) -> GemmResult {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor.randomNormal([m, k], using: &rng), b = Tensor.randomNormal([k, n], using: &rng)
        let seconds = bestTime(repeats: repeats) { _ = matrixProduct(a, b) }
        return GemmResult(m: m, n: n, k: k, seconds: seconds, gflops: 2 * Double(m * n * k) / seconds / 1e9)
    }

    /// The products that dominate GANKit's networks, for `gemmComparison`.
    public static let gemmShapes: [GemmShape] = [
        GemmShape("Winograd product, ngf 64 at 256x256 (16 per residual conv)", m: 256, n: 1024, k: 256),
        GemmShape("Winograd product, ngf 64 at 512x512", m: 256, n: 4096, k: 256),
        GemmShape("Winograd product, ngf 32 at 256x256", m: 128, n: 1024, k: 128),
        GemmShape("Winograd product, ngf 32 at 128x128 (training)", m: 128, n: 256, k: 128),
        GemmShape("Winograd input gradient U^T dM, ngf 32 at 128x128", m: 128, n: 256, k: 128, transposeA: true),
        GemmShape("Winograd weight gradient dM V^T, ngf 32 at 128x128", m: 128, n: 128, k: 256, transposeB: true),
        GemmShape("Winograd weight gradient dM V^T, ngf 64 at 256x256", m: 256, n: 256, k: 1024, transposeB: true),
        GemmShape("im2col, 3x3 conv 256 channels at 64x64", m: 256, n: 4096, k: 2304),
        GemmShape("im2col, 7x7 head 3 -> 64 at 256x256", m: 64, n: 65536, k: 147),
    ]

    /// GANKit's sgemm against OpenBLAS's, both single-threaded (as GANCore calls each band or
    /// product), on `shapes`: timed alternately in the same run, best of the runs for each.
    public static func gemmComparison(shapes: [GemmShape] = gemmShapes, repeats: Int = 5) -> [GemmComparison] {
        var rng = SeededGenerator(seed: 4)
        return shapes.map { shape in
            let m = shape.m, n = shape.n, k = shape.k
            let a = Tensor.randomNormal([m * k], using: &rng), b = Tensor.randomNormal([k * n], using: &rng)
            var c = [Float](repeating: 0, count: m * n)
            let flops = 2 * Double(m) * Double(n) * Double(k)
            // At least `repeats` runs, more for small products (about 0.2 s of each kernel in all).
            let runs = max(repeats, min(200, Int(4e10 / flops)))
            var best = [GemmKernel.openBLAS: Double.infinity, .gankit: .infinity]
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        for run in 0...runs {
                            for kernel in [GemmKernel.openBLAS, .gankit] {
                                let start = DispatchTime.now().uptimeNanoseconds
                                kernel.product(transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k,
                                               a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                                if run > 0 { best[kernel] = min(best[kernel]!, seconds) }  // run 0 warms up
                            }
                        }
                    }
                }
            }
            let ours = flops / best[.gankit]! / 1e9, theirs = flops / best[.openBLAS]! / 1e9
            return GemmComparison(shape: shape, gankitPath: GemmKernel.gankitPath, gankitGFLOPs: ours,
                                  openBLASGFLOPs: theirs, ratio: ours / theirs,
                                  automaticChoice: GemmKernel.automatic.usesGANKit(m: m, n: n, k: k, transposeB: shape.transposeB) ? "gankit" : "openblas")
        }
    }

    /// The stride-1 3×3 layers the benchmarks' networks spend their time in: (channels, size, training).
    public static let convolutionLayerShapes: [(channels: Int, size: Int, training: Bool)] = [
        (128, 32, true),    // CycleGAN training at 128x128, ngf 32: residual blocks
        (32, 128, true),    // 32 channels at 128x128 (ngf 32 at full resolution, U-Net / inpainting layers)
        (256, 64, false),   // inference at 256x256, ngf 64: residual blocks
        (128, 128, false),  // 128 channels at 128x128
        (64, 256, false),   // 64 channels at 256x256
    ]

    /// One 3×3 padding-1 convolution (forward, or forward and backward when `training`) under each
    /// of `algorithms`, timed alternately in the same run: the best seconds of each, after a warm-up.
    public static func convolutionLayer(channels: Int, size: Int, training: Bool, repeats: Int = 5,
                                        algorithms: [ConvolutionAlgorithm] = [.im2col, .winograd2x2, .winograd4x4])
        -> [ConvolutionAlgorithm: Double] {
        var rng = SeededGenerator(seed: 5)
        let x = Variable(Tensor.randomNormal([1, channels, size, size], using: &rng), requiresGrad: training)
        let w = Variable(Tensor.randomNormal([channels, channels, 3, 3], std: (2 / Float(9 * channels)).squareRoot(), using: &rng),
                         requiresGrad: training)
        let upstream = Variable(Tensor.randomNormal([1, channels, size, size], using: &rng))
        var best = [ConvolutionAlgorithm: Double]()
        for run in 0...max(1, repeats) {
            for algorithm in algorithms {
                let start = DispatchTime.now().uptimeNanoseconds
                ConvolutionAlgorithm.$current.withValue(algorithm) {
                    if training {
                        sum(conv2d(x, weight: w, padding: 1) * upstream).backward()
                    } else {
                        withNoGrad { _ = conv2d(x, weight: w, padding: 1) }
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if run > 0 { best[algorithm] = min(best[algorithm] ?? .infinity, seconds) }  // run 0 warms up
            }
        }
        return best
    }

    /// One forward pass of the reference ResnetGenerator on a `size` x `size` RGB image, in
    /// inference mode (no graph recorded), batch 1.
    public static func generatorForward(size: Int = 256, ngf: Int = 64, blocks: Int = 9, repeats: Int = 3,
                                        precision: InferencePrecision = .float32) -> ForwardResult {
        var rng = SeededGenerator(seed: 2)
        let generator = ResnetGenerator(options: NetworkOptions(ngf: ngf, resnetBlocks: blocks), using: &rng)
        generator.eval()
        let input = Variable(Tensor.randomNormal([1, 3, size, size], using: &rng))
        let seconds = InferencePrecision.$current.withValue(precision) {
            bestTime(repeats: repeats) { withNoGrad { _ = generator(input) } }
        }
        let macs = FLOPCount.resnetGenerator(size: size, ngf: ngf, blocks: blocks)
        return ForwardResult(size: size, ngf: ngf, blocks: blocks, gigaMACs: macs / 1e9, seconds: seconds,
                             imagesPerSecond: 1 / seconds, gflops: 2 * macs / seconds / 1e9, peakRSSMiB: peakResidentMiB())
    }

    /// How far a bfloat16 forward of the random-weight ResnetGenerator (outputs in [-1, 1]) lands
    /// from the float32 one on the same input: (max abs, mean abs) difference.
    public static func bfloat16Error(size: Int = 256, ngf: Int = 64, blocks: Int = 9) -> (maxAbs: Double, meanAbs: Double) {
        var rng = SeededGenerator(seed: 2)
        let generator = ResnetGenerator(options: NetworkOptions(ngf: ngf, resnetBlocks: blocks), using: &rng)
        generator.eval()
        let input = Variable(Tensor.randomNormal([1, 3, size, size], using: &rng))
        let exact = withNoGrad { generator(input).value.scalars }
        let rounded = InferencePrecision.$current.withValue(.bfloat16) { withNoGrad { generator(input).value.scalars } }
        var worst = 0.0, total = 0.0
        for (x, y) in zip(exact, rounded) { let d = Double(abs(x - y)); worst = max(worst, d); total += d }
        return (worst, total / Double(exact.count))
    }

    /// One CycleGAN training iteration as junyanz's cycle_gan_model runs it, batch 1: generators
    /// A->B and B->A applied six times (fake, reconstruction, identity), two PatchGANs, LSGAN +
    /// cycle (lambda 10) + identity (0.5) losses, Adam (2e-4, betas 0.5/0.999) for G, then D.
    public static func cycleGANIteration(size: Int = 128, ngf: Int = 32, blocks: Int = 6, ndf: Int = 64,
                                         repeats: Int = 3) -> TrainingResult {
        var rng = SeededGenerator(seed: 3)
        let options = NetworkOptions(ngf: ngf, ndf: ndf, resnetBlocks: blocks)
        let gA = ResnetGenerator(options: options, using: &rng), gB = ResnetGenerator(options: options, using: &rng)
        let dA = NLayerDiscriminator(options: options, using: &rng), dB = NLayerDiscriminator(options: options, using: &rng)
        let optimizerG = Adam(gA.parameters() + gB.parameters(), learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
        let optimizerD = Adam(dA.parameters() + dB.parameters(), learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
        let realA = Variable(Tensor.randomNormal([1, 3, size, size], using: &rng))
        let realB = Variable(Tensor.randomNormal([1, 3, size, size], using: &rng))
        let seconds = bestTime(repeats: repeats) {
            dA.setRequiresGrad(false); dB.setRequiresGrad(false)  // D is a constant while G steps
            let fakeB = gA(realA), fakeA = gB(realB)
            let reconstructedA = gB(fakeB), reconstructedB = gA(fakeA)
            let identityA = gA(realB), identityB = gB(realA)
            let lossG = mseLoss(dA(fakeB), 1) + mseLoss(dB(fakeA), 1)
                + l1Loss(reconstructedA, realA) * 10 + l1Loss(reconstructedB, realB) * 10
                + l1Loss(identityA, realB) * 5 + l1Loss(identityB, realA) * 5
            optimizerG.zeroGrad()
            lossG.backward()
            optimizerG.step()
            dA.setRequiresGrad(true); dB.setRequiresGrad(true)
            optimizerD.zeroGrad()
            let lossDA = (mseLoss(dA(realB), 1) + mseLoss(dA(fakeB.detach()), 0)) * 0.5
            let lossDB = (mseLoss(dB(realA), 1) + mseLoss(dB(fakeA.detach()), 0)) * 0.5
            (lossDA + lossDB).backward()
            optimizerD.step()
        }
        let gflop = FLOPCount.cycleGANIteration(size: size, ngf: ngf, blocks: blocks, ndf: ndf) / 1e9
        return TrainingResult(size: size, ngf: ngf, blocks: blocks, gflopPerIteration: gflop,
                              secondsPerIteration: seconds, gflops: gflop / seconds)
    }

    /// The fastest of `repeats` timed runs after one warm-up run, in seconds.
    static func bestTime(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// The process's peak resident set so far, in MiB.
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// Multiply-accumulate counts of the reference networks, counted layer by layer.
public enum FLOPCount {
    /// MACs of a convolution producing `outH` x `outW` x `outC` from `inC` channels with a k x k kernel.
    static func conv(outH: Int, outW: Int, inC: Int, outC: Int, k: Int) -> Double {
        Double(outH) * Double(outW) * Double(inC) * Double(outC) * Double(k * k)
    }

    /// MACs of ResnetGenerator(ngf, blocks) at `size` x `size` with 3 channels in and out
    /// (49.6 G at 256 with ngf 64 and 9 blocks).
    public static func resnetGenerator(size: Int, ngf: Int, blocks: Int) -> Double {
        let s = size
        var macs = conv(outH: s, outW: s, inC: 3, outC: ngf, k: 7)
        macs += conv(outH: s / 2, outW: s / 2, inC: ngf, outC: 2 * ngf, k: 3)
        macs += conv(outH: s / 4, outW: s / 4, inC: 2 * ngf, outC: 4 * ngf, k: 3)
        macs += Double(2 * blocks) * conv(outH: s / 4, outW: s / 4, inC: 4 * ngf, outC: 4 * ngf, k: 3)
        // Transposed convolutions: every input pixel meets every kernel tap once.
        macs += conv(outH: s / 4, outW: s / 4, inC: 4 * ngf, outC: 2 * ngf, k: 3)
        macs += conv(outH: s / 2, outW: s / 2, inC: 2 * ngf, outC: ngf, k: 3)
        macs += conv(outH: s, outW: s, inC: ngf, outC: 3, k: 7)
        return macs
    }

    /// MACs of the 3-layer PatchGAN (70x70) with `ndf` filters at `size` x `size`.
    public static func patchGAN(size: Int, ndf: Int) -> Double {
        let s1 = size / 2, s2 = size / 4, s3 = size / 8, s4 = s3 - 1, s5 = s4 - 1
        return conv(outH: s1, outW: s1, inC: 3, outC: ndf, k: 4) + conv(outH: s2, outW: s2, inC: ndf, outC: 2 * ndf, k: 4)
            + conv(outH: s3, outW: s3, inC: 2 * ndf, outC: 4 * ndf, k: 4) + conv(outH: s4, outW: s4, inC: 4 * ndf, outC: 8 * ndf, k: 4)
            + conv(outH: s5, outW: s5, inC: 8 * ndf, outC: 1, k: 4)
    }

    /// FLOPs of one CycleGAN iteration as PyTorch runs it: six generator passes with full
    /// backward (3x a forward), two D passes with input gradients only (2x) and four with weight
    /// gradients only (2x); 2 FLOPs per MAC.
    public static func cycleGANIteration(size: Int, ngf: Int, blocks: Int, ndf: Int) -> Double {
        2 * (18 * resnetGenerator(size: size, ngf: ngf, blocks: blocks) + 12 * patchGAN(size: size, ndf: ndf))
    }
}

/// One product shape: C[m×n] = op(A)[m×k] · op(B)[k×n].
public struct GemmShape: Codable, Sendable {
    /// Where GANKit meets this product.
    public var name: String
    public var m, n, k: Int
    public var transposeA, transposeB: Bool

    public init(_ name: String, m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        self.name = name; self.m = m; self.n = n; self.k = k; self.transposeA = transposeA; self.transposeB = transposeB
    }

    /// "256x1024x256 NN".
    public var label: String { "\(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")" }
}

/// GANKit's sgemm against OpenBLAS on one shape, single-threaded.
public struct GemmComparison: Codable, Sendable {
    public var shape: GemmShape
    /// The kernel gk_sgemm ran: avx512, avx2 or portable.
    public var gankitPath: String
    public var gankitGFLOPs: Double
    public var openBLASGFLOPs: Double
    /// gankitGFLOPs / openBLASGFLOPs.
    public var ratio: Double
    /// What GemmKernel.automatic takes for this shape.
    public var automaticChoice: String
}

/// The sgemm figure.
public struct GemmResult: Codable, Sendable {
    /// Rows of A and C.
    public var m: Int
    /// Columns of B and C.
    public var n: Int
    /// Columns of A, rows of B.
    public var k: Int
    /// Seconds for one product (best of the runs).
    public var seconds: Double
    /// 2mnk / seconds, in GFLOP/s.
    public var gflops: Double
}

/// The generator forward figure.
public struct ForwardResult: Codable, Sendable {
    /// Input side in pixels.
    public var size: Int
    /// Generator filters.
    public var ngf: Int
    /// Residual blocks.
    public var blocks: Int
    /// Multiply-accumulates of one forward, in billions.
    public var gigaMACs: Double
    /// Seconds for one image (best of the runs).
    public var seconds: Double
    /// Images per second.
    public var imagesPerSecond: Double
    /// Achieved GFLOP/s (2 FLOPs per MAC).
    public var gflops: Double
    /// Peak resident memory of the process after the runs, MiB.
    public var peakRSSMiB: Double
}

/// The training-iteration figure.
public struct TrainingResult: Codable, Sendable {
    /// Image side in pixels.
    public var size: Int
    /// Generator filters.
    public var ngf: Int
    /// Residual blocks.
    public var blocks: Int
    /// FLOPs of one iteration as PyTorch computes it, in billions.
    public var gflopPerIteration: Double
    /// Seconds per iteration (best of the runs).
    public var secondsPerIteration: Double
    /// Achieved GFLOP/s.
    public var gflops: Double
}
