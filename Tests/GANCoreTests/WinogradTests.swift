import Testing
@testable import GANCore

/// Winograd F(2×2, 3×3) and F(4×4, 3×3) against im2col + sgemm (the direct definition), forward and
/// backward, to 1e-4 of the reference's largest magnitude, on odd and even sizes, with and without
/// padding and bias.
struct WinogradTests {
    static func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-12)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()! / scale
    }

    /// Output, input gradient, weight gradient (and bias gradient) of `conv2d` under `algorithm`,
    /// with an upstream gradient drawn from N(0, 1).
    static func convolution(_ algorithm: ConvolutionAlgorithm, x xValue: Tensor, weight wValue: Tensor, bias bValue: Tensor?,
                            padding: Int, paddingMode: PaddingMode = .zero) -> [Tensor] {
        ConvolutionAlgorithm.$current.withValue(algorithm) {
            let x = Variable.parameter(xValue), w = Variable.parameter(wValue), b = bValue.map(Variable.parameter)
            let y = conv2d(x, weight: w, bias: b, padding: padding, paddingMode: paddingMode)
            var upstream = SeededGenerator(seed: 99)
            let weights = Variable(Tensor.randomNormal(y.shape, using: &upstream))
            sum(y * weights).backward()
            return [y.value, x.grad!, w.grad!] + (b.map { [$0.grad!] } ?? [])
        }
    }

    @Test(arguments: [(2, 16, 24, 9, 7, 1, true), (1, 32, 16, 8, 8, 0, false), (1, 16, 16, 5, 6, 1, true), (3, 24, 17, 6, 11, 2, true), (1, 16, 16, 12, 29, 1, false), (1, 16, 16, 10, 26, 0, true),
                      (2, 16, 16, 75, 67, 1, true)],  // several bands of tile rows
          [ConvolutionAlgorithm.winograd2x2, .winograd4x4])
    func matchesIm2colForwardAndBackward(shape: (Int, Int, Int, Int, Int, Int, Bool), algorithm: ConvolutionAlgorithm) {
        let (batch, channels, outChannels, height, width, padding, hasBias) = shape
        var rng = SeededGenerator(seed: UInt64(channels * 31 + height))
        let xValue = Tensor.randomNormal([batch, channels, height, width], using: &rng)
        let wValue = Tensor.randomNormal([outChannels, channels, 3, 3], std: 0.2, using: &rng)
        let bValue = Tensor.randomNormal([outChannels], using: &rng)
        #expect(WinogradGeometry.applies(kernelHeight: 3, kernelWidth: 3, stride: 1, channels: channels, outChannels: outChannels))
        // The large shape goes through in several bands of tile rows (the last one shorter).
        let bandLimits = height > 60 ? (floats: 100_000, minimumTiles: 64) : WinogradGeometry.bandLimits
        if height > 60 {
            WinogradGeometry.$bandLimits.withValue(bandLimits) {
                let geometry = WinogradGeometry(channels: channels, height: height, width: width, outChannels: outChannels, padding: padding,
                                                outputTile: algorithm == .winograd4x4 ? 4 : 2)
                #expect(geometry.bands.count > 2 && geometry.tilesHigh % geometry.bandRows != 0)
            }
        }
        let winograd = WinogradGeometry.$bandLimits.withValue(bandLimits) {
            Self.convolution(algorithm, x: xValue, weight: wValue, bias: hasBias ? bValue : nil, padding: padding)
        }
        let reference = Self.convolution(.im2col, x: xValue, weight: wValue, bias: hasBias ? bValue : nil, padding: padding)
        for (name, (ours, expected)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(winograd, reference)) {
            let error = Self.maxRelativeError(ours, expected)
            #expect(error <= 1e-4, "\(algorithm) \(name): relative error \(error)")
        }
    }

    /// Reflection and replication padding read inside the transforms (a strip per band and channel) against an
    /// explicit `pad` followed by the unpadded im2col convolution: forward and both gradients, C and Swift
    /// transforms, one band and several, padding 1 and 2.
    @Test(arguments: [(1, 16, 16, 9, 7, 1, PaddingMode.reflect), (2, 24, 16, 13, 20, 1, .replicate), (1, 16, 24, 12, 11, 2, .reflect),
                      (1, 16, 16, 75, 67, 1, .reflect)],  // several bands
          [ConvolutionAlgorithm.winograd2x2, .winograd4x4])
    func foldedReflectionMatchesPaddedCopy(shape: (Int, Int, Int, Int, Int, Int, PaddingMode), algorithm: ConvolutionAlgorithm) {
        let (batch, channels, outChannels, height, width, padding, mode) = shape
        var rng = SeededGenerator(seed: UInt64(channels * 7 + height))
        let xValue = Tensor.randomNormal([batch, channels, height, width], using: &rng)
        let wValue = Tensor.randomNormal([outChannels, channels, 3, 3], std: 0.2, using: &rng)
        let bValue = Tensor.randomNormal([outChannels], using: &rng)
        let reference = Self.convolution(.im2col, x: xValue, weight: wValue, bias: bValue, padding: padding, paddingMode: mode)
        let bandLimits = height > 60 ? (floats: 100_000, minimumTiles: 64) : WinogradGeometry.bandLimits
        for useC in [true, false] {
            let ours = WinogradKernels.$useC.withValue(useC) {
                WinogradKernels.$minimumLaneFill.withValue(0) {
                    WinogradGeometry.$bandLimits.withValue(bandLimits) {
                        Self.convolution(algorithm, x: xValue, weight: wValue, bias: bValue, padding: padding, paddingMode: mode)
                    }
                }
            }
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(ours, reference)) {
                let error = Self.maxRelativeError(a, b)
                #expect(error <= 1e-4, "\(algorithm) \(mode) C \(useC) \(name): relative error \(error)")
            }
        }
    }

    /// `Sequential` runs a reflection pad and the unpadded convolution after it as one folded convolution, with the
    /// outputs and gradients of the two layers run one after the other.
    @Test func sequentialFoldsPaddingIntoTheConvolution() {
        var rng = SeededGenerator(seed: 5)
        let conv = Conv2d(inChannels: 16, outChannels: 16, kernelSize: 3, using: &rng)
        let pad = Pad2d.reflection(1)
        #expect(conv.canFold(pad) && !conv.canFold(Pad2d(Padding2D(left: 1, right: 0, top: 1, bottom: 1), mode: .reflect)))
        let xValue = Tensor.randomNormal([1, 16, 10, 14], using: &rng)
        func run(_ body: (Variable) -> Variable) -> [Tensor] {
            let x = Variable.parameter(xValue)
            conv.weight.grad = nil
            let y = body(x)
            sum(y * y).backward()
            return [y.value, x.grad!, conv.weight.grad!]
        }
        let fused = run { Sequential(pad, conv)($0) }
        let separate = run { conv(pad($0)) }
        for (name, (a, b)) in zip(["output", "input gradient", "weight gradient"], zip(fused, separate)) {
            let error = Self.maxRelativeError(a, b)
            #expect(error <= 1e-5, "\(name): relative error \(error)")
        }
    }

    /// Layer shapes of the generators (16 to 256 channels, odd sizes, padding 0 and 1) at realistic
    /// magnitudes: Kaiming-normal weights (std √(2 / 9C)), inputs N(0, 1) as after instance norm, or
    /// those through a ReLU. Prints the errors, the figures docs/PERFORMANCE.md quotes.
    @Test(arguments: [(16, 16, 13, 11, 1, false), (32, 48, 17, 9, 0, true), (64, 64, 31, 33, 1, false),
                      (128, 128, 32, 32, 1, true), (128, 128, 19, 23, 0, false), (256, 256, 16, 16, 1, false),
                      (256, 128, 21, 15, 0, true)])
    func staysWithin1e4AtRealisticMagnitudes(channels: Int, outChannels: Int, height: Int, width: Int, padding: Int, relu: Bool) {
        var rng = SeededGenerator(seed: UInt64(channels + outChannels + height))
        var xValue = Tensor.randomNormal([1, channels, height, width], using: &rng)
        if relu { xValue = xValue.map { max($0, 0) } }
        let wValue = Tensor.randomNormal([outChannels, channels, 3, 3], std: (2 / Float(9 * channels)).squareRoot(), using: &rng)
        let bValue = Tensor.randomNormal([outChannels], std: 0.1, using: &rng)
        let reference = Self.convolution(.im2col, x: xValue, weight: wValue, bias: bValue, padding: padding)
        for algorithm in [ConvolutionAlgorithm.winograd2x2, .winograd4x4] {
            let ours = Self.convolution(algorithm, x: xValue, weight: wValue, bias: bValue, padding: padding)
            var line = "\(algorithm) C \(channels) O \(outChannels) \(height)x\(width) p \(padding)\(relu ? " relu" : ""):"
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient"], zip(ours, reference)) {
                let error = Self.maxRelativeError(a, b)
                line += " \(name) \(error)"
                #expect(error <= 1e-4, "\(algorithm) \(name): relative error \(error)")
            }
            print(line)
        }
    }

    @Test func automaticTakesThePreferredTile() {
        var rng = SeededGenerator(seed: 4)
        let x = Tensor.randomNormal([1, 32, 12, 12], using: &rng), w = Tensor.randomNormal([32, 32, 3, 3], std: 0.1, using: &rng)
        let automatic = Self.convolution(.automatic, x: x, weight: w, bias: nil, padding: 1)
        let tile = WinogradGeometry.preferredOutputTile(channels: 32, outChannels: 32, outHeight: 12, outWidth: 12)
        let forced = Self.convolution(tile == 4 ? .winograd4x4 : .winograd2x2, x: x, weight: w, bias: nil, padding: 1)
        for (a, b) in zip(automatic, forced) { #expect(a.scalars == b.scalars) }
    }
}

/// The F(4×4) weight gradient's adjoint transform in C against the Swift one, channel counts around 16.
struct WinogradWeightsAdjointKernelTests {
    @Test(arguments: [(3, 16), (2, 21), (5, 40), (1, 7)])
    func cMatchesSwift(outChannels: Int, channels: Int) {
        guard WinogradKernels.supported else { return }
        var rng = SeededGenerator(seed: UInt64(channels))
        let du = Tensor.randomNormal([36 * outChannels * channels], using: &rng).scalars
        let start = Tensor.randomNormal([outChannels * channels * 9], using: &rng).scalars
        func run(_ useC: Bool) -> [Float] {
            WinogradKernels.$useC.withValue(useC) {
                var dw = start
                du.withUnsafeBufferPointer { dp in
                    dw.withUnsafeMutableBufferPointer {
                        winogradWeightsAdjoint(Winograd4x4.self, dp.baseAddress!, outChannels: outChannels, channels: channels, into: $0.baseAddress!)
                    }
                }
                return dw
            }
        }
        let error = zip(run(true), run(false)).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-4, "\(outChannels) x \(channels): \(error)")
    }
}

/// gk_winograd_weights (AVX-512) against the Swift weight transform.
struct WinogradWeightsKernelTests {
    @Test(arguments: [(3, 16), (2, 21), (5, 40), (1, 7)])
    func cMatchesSwift(outChannels: Int, channels: Int) {
        guard WinogradKernels.supported else { return }
        var rng = SeededGenerator(seed: UInt64(channels + 1))
        let weight = Tensor.randomNormal([outChannels * channels * 9], using: &rng).scalars
        func run(_ useC: Bool) -> [Float] {
            WinogradKernels.$useC.withValue(useC) {
                weight.withUnsafeBufferPointer { winogradWeights(Winograd4x4.self, $0.baseAddress!, outChannels: outChannels, channels: channels) }
            }
        }
        let error = zip(run(true), run(false)).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-5, "\(outChannels) x \(channels): \(error)")
    }
}

/// gk_thin_conv2d_weight_grad's paths (portable double-precision loop, AVX-512 where present) against a plain
/// loop, with partial 16-pixel blocks and output-channel groups of 3 + 2.
struct ThinConvWeightGradKernelTests {
    @Test(arguments: [(16, 5, 9, 77, 7), (16, 3, 12, 40, 7), (17, 1, 5, 30, 3), (20, 4, 6, 9, 1)])
    func pathsMatchDirectLoop(channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int) {
        var rng = SeededGenerator(seed: UInt64(width + 1))
        let oh = height - kernel + 1, ow = width - kernel + 1
        let x = Tensor.randomNormal([channels, height, width], using: &rng).scalars
        let g = Tensor.randomNormal([outChannels, oh, ow], using: &rng).scalars
        let start = Tensor.randomNormal([outChannels * channels * kernel * kernel], using: &rng).scalars
        var expected = start
        for o in 0..<outChannels {
            for c in 0..<channels {
                for i in 0..<kernel {
                    for j in 0..<kernel {
                        var s = 0.0
                        for y in 0..<oh {
                            for xx in 0..<ow { s += Double(g[(o * oh + y) * ow + xx]) * Double(x[(c * height + y + i) * width + xx + j]) }
                        }
                        expected[((o * channels + c) * kernel + i) * kernel + j] += Float(s)
                    }
                }
            }
        }
        var ranAVX512 = false
        for path in [Int32(1), 3] {
            var dw = start
            let ran = dw.withUnsafeMutableBufferPointer { dp in
                thinConv2dWeightGradKernel(path: path, x, channels: channels, height: height, width: width, grad: g,
                                           outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel, into: dp.baseAddress!)
            }
            #expect(ran || path != 1, "the portable path always runs")
            guard ran else { continue }
            if path == 3 { ranAVX512 = true }
            let worst = zip(dw, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-3, "path \(path): max abs error \(worst)")
        }
        print("thin weight gradient, AVX-512 path run: \(ranAVX512)")
    }
}

/// The transforms in C (CKernels/winograd.c, AVX-512) against the Swift ones they replace: input and output of
/// F(4×4) and F(2×2), the adjoints of F(4×4) (F(2×2)'s stay in Swift, so both runs take them there), on sizes with partial tile groups (more and fewer than 16 tiles a row), padding 0 to 2, and a band not
/// starting at row 0.
struct WinogradKernelTests {
    @Test(arguments: [(3, 9, 7, 1), (2, 70, 67, 1), (1, 16, 16, 0), (2, 23, 90, 2), (1, 64, 64, 1),
                      (2, 32, 32, 1), (1, 29, 30, 1), (1, 14, 22, 0), (1, 5, 33, 0)], [2, 4])  // 8, 8, 5 and 8 tiles a row: two rows per vector
    func cTransformsMatchSwift(shape: (Int, Int, Int, Int), outputTile: Int) {
        guard WinogradKernels.supported else { return }
        if outputTile == 2 { check(Winograd2x2.self, shape) } else { check(Winograd4x4.self, shape) }
    }

    func check<W: WinogradVariant>(_: W.Type, _ shape: (Int, Int, Int, Int)) {
        let (channels, height, width, padding) = shape, positions = W.inputTile * W.inputTile
        let g = WinogradGeometry(channels: channels, height: height, width: width, outChannels: channels, padding: padding,
                                 outputTile: W.outputTile)
        var rng = SeededGenerator(seed: UInt64(height * width))
        let image = Tensor.randomNormal([channels, height, width], using: &rng).scalars
        let bias = Tensor.randomNormal([channels], using: &rng).scalars
        for rows in [0..<g.tilesHigh, (g.tilesHigh / 2)..<g.tilesHigh] {
            let tiles = rows.count * g.tilesWide, size = positions * channels * tiles
            let m = Tensor.randomNormal([size], using: &rng).scalars
            let dy = Tensor.randomNormal([channels * g.outHeight * g.outWidth], using: &rng).scalars
            func run(_ useC: Bool) -> (v: [Float], y: [Float], dm: [Float], dImage: [Float]) {
                WinogradKernels.$minimumLaneFill.withValue(0) { WinogradKernels.$useC.withValue(useC) {
                    var v = [Float](repeating: .nan, count: size)
                    var y = [Float](repeating: .nan, count: channels * g.outHeight * g.outWidth)
                    // The adjoints: dM from dY, and dImage (starting from the image, as they add into it) from M as dV.
                    var dm = [Float](repeating: .nan, count: size), dImage = image
                    dy.withUnsafeBufferPointer { dp in
                        dm.withUnsafeMutableBufferPointer { winogradOutputAdjoint(W.self, dp.baseAddress!, g, rows: rows, into: $0.baseAddress!) }
                    }
                    m.withUnsafeBufferPointer { mp in
                        dImage.withUnsafeMutableBufferPointer { winogradInputAdjoint(W.self, mp.baseAddress!, g, rows: rows, into: $0.baseAddress!) }
                    }
                    image.withUnsafeBufferPointer { ip in
                        v.withUnsafeMutableBufferPointer { winogradInput(W.self, ip.baseAddress!, g, rows: rows, into: $0.baseAddress!) }
                    }
                    m.withUnsafeBufferPointer { mp in
                        bias.withUnsafeBufferPointer { bp in
                            y.withUnsafeMutableBufferPointer {
                                winogradOutput(W.self, mp.baseAddress!, g, rows: rows, bias: bp.baseAddress!, into: $0.baseAddress!)
                            }
                        }
                    }
                    return (v, y, dm, dImage)
                } }
            }
            let c = run(true), swift = run(false)
            let vError = zip(c.v, swift.v).map { abs($0 - $1) }.max()!
            #expect(vError <= 1e-4, "F(\(W.outputTile)) input transform \(height)x\(width) p \(padding) rows \(rows): \(vError)")
            // Rows outside the band stay NaN in both.
            let yError = zip(c.y, swift.y).map { $0.isNaN && $1.isNaN ? 0 : abs($0 - $1) }.max()!
            #expect(!yError.isNaN && yError <= 1e-3, "F(\(W.outputTile)) output transform \(height)x\(width) p \(padding) rows \(rows): \(yError)")
            let dmError = zip(c.dm, swift.dm).map { abs($0 - $1) }.max()!
            #expect(dmError <= 1e-3, "F(\(W.outputTile)) output adjoint \(height)x\(width) rows \(rows): \(dmError)")
            let dImageError = zip(c.dImage, swift.dImage).map { abs($0 - $1) }.max()!
            #expect(dImageError <= 1e-3, "F(\(W.outputTile)) input adjoint \(height)x\(width) p \(padding) rows \(rows): \(dImageError)")
        }
    }
}

/// The thin-output path (few output channels, shifted-tap products) against im2col + sgemm.
struct ThinOutputConvTests {
    @Test(arguments: [(1, 16, 3, 13, 11, 7, true, 0), (2, 24, 1, 9, 10, 3, false, 0), (1, 32, 5, 6, 6, 4, true, 0),
                      (1, 32, 1, 7, 6, 4, true, 1), (2, 16, 3, 5, 8, 3, false, 2)])
    func matchesIm2colForwardAndBackward(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int,
                                         hasBias: Bool, padding: Int) {
        var rng = SeededGenerator(seed: UInt64(channels + kernel))
        let xValue = Tensor.randomNormal([batch, channels, height, width], using: &rng)
        let wValue = Tensor.randomNormal([outChannels, channels, kernel, kernel], std: 0.2, using: &rng)
        let bValue = Tensor.randomNormal([outChannels], using: &rng)
        #expect(thinOutputConvApplies(channels: channels, outChannels: outChannels, stride: 1, padding: 0))
        func run(_ algorithm: ConvolutionAlgorithm) -> [Tensor] {
            ConvolutionAlgorithm.$current.withValue(algorithm) {
                let x = Variable.parameter(xValue), w = Variable.parameter(wValue), b = Variable.parameter(bValue)
                let y = conv2d(x, weight: w, bias: hasBias ? b : nil, padding: padding)
                var upstream = SeededGenerator(seed: 5)
                sum(y * Variable(Tensor.randomNormal(y.shape, using: &upstream))).backward()
                return [y.value, x.grad!, w.grad!] + (hasBias ? [b.grad!] : [])
            }
        }
        for (name, (ours, expected)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(run(.automatic), run(.im2col))) {
            let error = WinogradTests.maxRelativeError(ours, expected)
            #expect(error <= 1e-4, "\(name): relative error \(error)")
        }
    }
}

/// The thin-output path in inference reads padded strips band by band instead of a padded copy: against pad +
/// im2col for zero, reflection and replication padding, with more bands than some images have rows.
struct ThinOutputConvStripTests {
    @Test(arguments: [(1, 64, 3, 20, 17, 7, 3, PaddingMode.reflect), (2, 16, 3, 9, 12, 7, 3, .replicate),
                      (1, 32, 1, 5, 6, 3, 1, .zero), (1, 16, 2, 4, 30, 3, 2, .reflect)])
    func matchesPaddedCopy(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int, padding: Int,
                           mode: PaddingMode) {
        var rng = SeededGenerator(seed: UInt64(channels + height))
        let x = Variable(Tensor.randomNormal([batch, channels, height, width], using: &rng))
        let w = Variable(Tensor.randomNormal([outChannels, channels, kernel, kernel], std: 0.2, using: &rng))
        let b = Variable(Tensor.randomNormal([outChannels], using: &rng))
        let ours = withNoGrad { conv2d(x, weight: w, bias: b, padding: padding, paddingMode: mode).value }
        let expected = withNoGrad {
            ConvolutionAlgorithm.$current.withValue(.im2col) { conv2d(pad(x, Padding2D(padding), mode: mode), weight: w, bias: b).value }
        }
        let error = WinogradTests.maxRelativeError(ours, expected)
        #expect(error <= 1e-5, "\(mode) padding \(padding): relative error \(error)")
    }
}

/// gk_thin_conv2d's C paths (portable, AVX2, AVX-512, where the CPU has them) against a plain loop, on sizes
/// that leave partial pixel blocks (widths past 64 and 24, not multiples of them) and output-channel groups of 4 + 1.
struct ThinConvKernelTests {
    @Test(arguments: [(16, 5, 9, 77, 7), (16, 3, 12, 262, 7), (17, 1, 5, 30, 3), (20, 4, 6, 9, 1)])
    func pathsMatchDirectLoop(channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int) {
        var rng = SeededGenerator(seed: UInt64(width))
        let x = Tensor.randomNormal([channels, height, width], using: &rng).scalars
        let w = Tensor.randomNormal([outChannels, channels, kernel, kernel], std: 0.2, using: &rng).scalars
        let b = Tensor.randomNormal([outChannels], using: &rng).scalars
        let oh = height - kernel + 1, ow = width - kernel + 1
        var expected = [Float](repeating: 0, count: outChannels * oh * ow)
        for o in 0..<outChannels {
            for y in 0..<oh {
                for xx in 0..<ow {
                    var s = Double(b[o])
                    for c in 0..<channels {
                        for i in 0..<kernel {
                            for j in 0..<kernel {
                                s += Double(w[((o * channels + c) * kernel + i) * kernel + j]) * Double(x[(c * height + y + i) * width + xx + j])
                            }
                        }
                    }
                    expected[(o * oh + y) * ow + xx] = Float(s)
                }
            }
        }
        for path in Int32(1)...3 {
            var out = [Float](repeating: .nan, count: outChannels * oh * ow)
            let ran = out.withUnsafeMutableBufferPointer { op in
                thinConv2dKernel(path: path, x, channels: channels, height: height, width: width, weight: w,
                                 outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel, bias: b, into: op.baseAddress!)
            }
            guard ran else { continue }
            let worst = zip(out, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4, "path \(path): max abs error \(worst)")
        }
    }
}

/// The fast convolution paths also pass the finite-difference check on their own.
struct FastConvolutionGradientTests {
    @Test(arguments: [ConvolutionAlgorithm.winograd2x2, .winograd4x4])
    func winogradGradientMatchesFiniteDifferences(algorithm: ConvolutionAlgorithm) {
        let x = randomParameter([1, 16, 5, 6], seed: 41), w = randomParameter([16, 16, 3, 3], seed: 42, std: 0.2)
        let b = randomParameter([16], seed: 43)
        #expect(WinogradGeometry.applies(kernelHeight: 3, kernelWidth: 3, stride: 1, channels: 16, outChannels: 16))
        ConvolutionAlgorithm.$current.withValue(algorithm) {
            expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, padding: 1) }
            // Odd sizes, no padding: partial tiles at the right and bottom edges.
            let x2 = randomParameter([1, 16, 9, 7], seed: 44)
            expectGradientsMatch([x2, w]) { conv2d(x2, weight: w, padding: 0) }
        }
    }

    @Test func thinOutputGradientMatchesFiniteDifferences() {
        let x = randomParameter([1, 16, 6, 7], seed: 44), w = randomParameter([3, 16, 3, 3], seed: 45, std: 0.2)
        let b = randomParameter([3], seed: 46)
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, padding: 1) }
        expectGradientsMatch([x, w]) { conv2d(x, weight: w) }
    }
}
