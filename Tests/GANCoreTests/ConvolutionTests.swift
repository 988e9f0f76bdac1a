import Testing
@testable import GANCore

@Suite struct ConvolutionTests {
    @Test func im2colKernelMatchesTheSwiftLoop() {
        // gk_im2col_channel / gk_col2im_channel (strides 1 and 2, AVX-512) against the Swift loops: kernels 1-7,
        // padding, dilation, odd sizes, row bands, rows longer and shorter than a vector; stride 3 takes the
        // Swift loop either way. Both are exact (copies and one addition per entry).
        var rng = SeededGenerator(seed: 5)
        let cases: [(c: Int, h: Int, w: Int, k: Int, s: Int, p: Int, d: Int)] = [
            (3, 9, 37, 4, 2, 1, 1), (2, 17, 16, 3, 1, 1, 1), (2, 8, 70, 7, 1, 3, 1), (2, 12, 33, 3, 2, 2, 2),
            (1, 5, 5, 1, 2, 0, 1), (2, 11, 13, 4, 1, 1, 1), (1, 10, 40, 3, 3, 1, 1), (2, 6, 3, 5, 2, 4, 1)]
        for t in cases {
            let oh = convolutionOutputSize(t.h, kernel: t.k, stride: t.s, padding: t.p, dilation: t.d)
            let ow = convolutionOutputSize(t.w, kernel: t.k, stride: t.s, padding: t.p, dilation: t.d)
            let g = ConvGeometry(channels: t.c, height: t.h, width: t.w, kernelHeight: t.k, kernelWidth: t.k, stride: t.s,
                                 padding: t.p, dilation: t.d, outHeight: oh, outWidth: ow)
            let image = (0..<g.imageSize).map { _ in Float.random(in: -1...1, using: &rng) }
            for rows in [0..<oh, (oh / 2)..<oh] {
                let size = g.columnRows * rows.count * ow
                let grad = (0..<size).map { _ in Float.random(in: -1...1, using: &rng) }
                var fast = [Float](repeating: .nan, count: size), slow = fast
                var fastImage = image, slowImage = image
                image.withUnsafeBufferPointer { ip in
                    im2col(ip.baseAddress!, g, &fast, rows: rows)
                    im2col(ip.baseAddress!, g, &slow, rows: rows, kernel: false)
                }
                grad.withUnsafeBufferPointer { gp in
                    col2im(gp.baseAddress!, g, &fastImage, rows: rows)
                    col2im(gp.baseAddress!, g, &slowImage, rows: rows, kernel: false)
                }
                #expect(fast == slow, "im2col \(t) rows \(rows)")
                #expect(fastImage == slowImage, "col2im \(t) rows \(rows)")
            }
        }
    }

    @Test func conv2dMatchesDirectSum() {
        // 1 image, 1 channel 3×3, kernel 2×2 of ones, stride 1, no padding: each output is a 2×2 window sum.
        let x = Variable(Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init)))
        let w = Variable(Tensor.ones([1, 1, 2, 2]))
        let b = Variable(Tensor(shape: [1], scalars: [0.5]))
        let y = conv2d(x, weight: w, bias: b)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.value.scalars == [12.5, 16.5, 24.5, 28.5])
    }

    @Test func conv2dGradients() {
        let x = randomParameter([2, 3, 5, 6], seed: 1)
        let w = randomParameter([4, 3, 3, 3], seed: 2, std: 0.3)
        let b = randomParameter([4], seed: 3)
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 2, padding: 1) }
    }

    @Test func conv2dGradientsStrideOneNoBias() {
        let x = randomParameter([1, 2, 4, 4], seed: 4)
        let w = randomParameter([3, 2, 3, 3], seed: 5, std: 0.3)
        expectGradientsMatch([x, w]) { conv2d(x, weight: w, stride: 1, padding: 1) }
    }

    @Test func dilatedConv2dMatchesDirectSum() {
        // 1 channel 5×5 holding 1...25, a 2×2 kernel of ones with dilation 2: each output sums x[y][x], x[y][x+2],
        // x[y+2][x], x[y+2][x+2].
        let x = Variable(Tensor(shape: [1, 1, 5, 5], scalars: (1...25).map(Float.init)))
        let y = conv2d(x, weight: Variable(Tensor.ones([1, 1, 2, 2])), dilation: 2)
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.value.scalars == [28, 32, 36, 48, 52, 56, 68, 72, 76])
        // Padding 2 keeps the size of a dilated 3×3 at dilation 2.
        #expect(conv2d(x, weight: Variable(Tensor.ones([1, 1, 3, 3])), padding: 2, dilation: 2).shape == [1, 1, 5, 5])
    }

    @Test func dilatedConv2dGradients() {
        let x = randomParameter([2, 3, 7, 6], seed: 11)
        let w = randomParameter([4, 3, 3, 3], seed: 12, std: 0.3)
        let b = randomParameter([4], seed: 13)
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 1, padding: 2, dilation: 2) }
        expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 2, padding: 3, dilation: 3) }
    }

    @Test func dilatedConv2dSkipsFastKernels() {
        // Shapes Winograd (3×3, ≥16 in and out) and the shifted-tap kernel (< 16 out, no padding) would take at
        // dilation 1 must give the im2col result at dilation 2.
        let x = randomParameter([1, 16, 9, 8], seed: 14)
        for (out, padding) in [(16, 2), (3, 0)] {
            let w = randomParameter([out, 16, 3, 3], seed: 15, std: 0.1)
            let fast = conv2d(x, weight: w, padding: padding, dilation: 2).value
            let reference = ConvolutionAlgorithm.$current.withValue(.im2col) { conv2d(x, weight: w, padding: padding, dilation: 2).value }
            #expect(fast.shape == reference.shape && fast.scalars == reference.scalars)
        }
    }

    @Test func dilatedGatedConvolutionGradients() {
        var rng = SeededGenerator(seed: 16)
        let gated = GatedConv2d(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 2, dilation: 2, using: &rng)
        let x = Variable.parameter(Tensor.randomNormal([1, 2, 6, 5], using: &rng))
        #expect(gated(x).shape == [1, 3, 6, 5])
        expectGradientsMatch([x, gated.conv.weight, gated.conv.bias!], eps: 1e-3) { gated(x) }
    }

    @Test func convTranspose2dShapeAndValues() {
        // A single 1 at the centre of a 1×1 input spreads the kernel into the output.
        let x = Variable(Tensor(shape: [1, 1, 1, 1], scalars: [1]))
        let w = Variable(Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init)))
        let y = convTranspose2d(x, weight: w, stride: 2, padding: 0)
        #expect(y.shape == [1, 1, 3, 3])
        #expect(y.value.scalars == (1...9).map(Float.init))
        // CycleGAN's upsampling layer: k3 s2 p1 op1 doubles the size.
        let z = convTranspose2d(Variable(Tensor.zeros([1, 2, 4, 5])), weight: Variable(Tensor.zeros([2, 3, 3, 3])),
                                stride: 2, padding: 1, outputPadding: 1)
        #expect(z.shape == [1, 3, 8, 10])
    }

    @Test func convTranspose2dGradients() {
        let x = randomParameter([2, 3, 3, 4], seed: 6)
        let w = randomParameter([3, 2, 3, 3], seed: 7, std: 0.3)
        let b = randomParameter([2], seed: 8)
        expectGradientsMatch([x, w, b]) {
            convTranspose2d(x, weight: w, bias: b, stride: 2, padding: 1, outputPadding: 1)
        }
    }

    @Test func tiledColumnMatrixGivesSameResultsAndGradients() {
        let x = randomParameter([2, 3, 7, 6], seed: 9)
        let w = randomParameter([4, 3, 3, 3], seed: 10, std: 0.3)
        let wt = randomParameter([3, 2, 3, 3], seed: 11, std: 0.3)
        let b = randomParameter([4], seed: 12)
        let whole = conv2d(x, weight: w, bias: b, padding: 1).value
        let wholeT = convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1).value
        // A budget of 60 floats forces one or two output rows per tile.
        ConvGeometry.$columnBudget.withValue(60) {
            #expect(ConvGeometry(channels: 3, height: 7, width: 6, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1,
                                 outHeight: 7, outWidth: 6).rowTiles.count == 7)
            let tiled = conv2d(x, weight: w, bias: b, padding: 1).value
            for i in 0..<whole.count { #expect(abs(whole.scalars[i] - tiled.scalars[i]) < 1e-5) }
            let tiledT = convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1).value
            for i in 0..<wholeT.count { #expect(abs(wholeT.scalars[i] - tiledT.scalars[i]) < 1e-5) }
            expectGradientsMatch([x, w, b]) { conv2d(x, weight: w, bias: b, stride: 2, padding: 1) }
            expectGradientsMatch([x, wt]) { convTranspose2d(x, weight: wt, stride: 2, padding: 1, outputPadding: 1) }
        }
    }
}
