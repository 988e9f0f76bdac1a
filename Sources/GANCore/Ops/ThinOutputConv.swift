import CKernels
import Dispatch

// Convolution with few output channels (an RGB head: 64 -> 3, 7×7), stride 1, no padding, without
// an im2col matrix (which would hold C·k·k rows per pixel: 822 MB at 256² for the 7×7 head).
// With the input seen as a matrix X [C × H·W] and the output in "wide" rows of W columns
// (n = y·W + x; the last k-1 columns of each row are discarded):
//   y[o, n] = b[o] + Σ_c Σ_(i,j) X[c, i·W + j + n] · w[o, c, i, j]   (forward: direct convolution in C,
//             gk_thin_conv2d, vectorised over n; as 49 shifted-view sgemms with N = 3 it was 16% of the forward)
//   dw[o, c, i, j] = Σ_n X[c, i·W + j + n] · Gᵀ[n, o]           (weight gradient: direct in C, gk_thin_conv2d_weight_grad,
//             with AVX-512; elsewhere one product per tap, M = C, N = O)
//   dX = conv2d(dY, w flipped and transposed, padding k-1)       (input gradient: a 3-channel im2col)

/// The forward of the thin-output path on one forced kernel path (1 portable, 2 AVX2, 3 AVX-512) for one image
/// [C, H, W] into [O, H - kh + 1, W - kw + 1]; false if the CPU lacks it. For tests.
func thinConv2dKernel(path: Int32, _ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                      weight: UnsafePointer<Float>, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                      bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) -> Bool {
    gk_thin_conv2d_with_path(path, image, channels, height, width, weight, outChannels, kernelHeight, kernelWidth,
                             bias, out, 0, height - kernelHeight + 1) == 0
}

/// The weight gradient of the thin-output path on one forced kernel path (1: portable, 3: AVX-512) for one image,
/// added into `dWeight` [O, C, kh, kw]; false if the CPU lacks the path. For tests.
func thinConv2dWeightGradKernel(path: Int32, _ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                grad: UnsafePointer<Float>, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                                into dWeight: UnsafeMutablePointer<Float>) -> Bool {
    gk_thin_conv2d_weight_grad_with_path(path, image, channels, height, width, grad, outChannels, kernelHeight, kernelWidth,
                                         dWeight, 0, channels) == 0
}

/// Whether the thin-output path applies: stride 1, no padding, fewer than 16 outputs, at least 16 inputs.
func thinOutputConvApplies(channels: Int, outChannels: Int, stride: Int, padding: Int) -> Bool {
    stride == 1 && padding == 0 && outChannels < 16 && channels >= 16
}

/// Runs `body(start, end)` over bands of `rows` output rows in parallel, a few per core (so that a core slowed by
/// other work holds up little); every band is non-empty.
private func forEachRowBand(_ rows: Int, _ body: @Sendable (Int, Int) -> Void) {
    let bands = min(rows, 4 * BLASThreading.workers), band = (rows + bands - 1) / bands
    DispatchQueue.concurrentPerform(iterations: bands) { part in
        let start = part * band, end = min(rows, start + band)
        if start < end { body(start, end) }
    }
}

/// The thin-output convolution of `input` padded by `padding` on every side with `mode`, for inference (no gradient):
/// each band of output rows copies the `band + kh - 1` padded rows it reads into a strip and convolves that, so
/// the padded image is never allocated (for the 64-channel input of a 7×7 RGB head on a 384 px tile it would be
/// 39 MB, on top of the activations).
func thinOutputConv2d(_ input: Variable, weight: Variable, bias: Variable?, padding p: Int, mode: PaddingMode) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let ws = weight.shape
    let o = ws[0], kh = ws[2], kw = ws[3]
    let paddedWidth = w + 2 * p, oh = h + 2 * p - kh + 1, ow = paddedWidth - kw + 1
    if mode == .reflect { precondition(p < h && p < w, "conv2d: reflection padding \(p) must be smaller than the input size, input shape \(input.shape)") }
    let x = input.value, wv = weight.value, biasScalars = bias?.value.scalars ?? []
    var out = [Float](uninitializedCount: n * o * oh * ow)
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            biasScalars.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    let src = SharedConstPointer(xp.baseAddress!), weights = SharedConstPointer(wp.baseAddress!)
                    let dst = SharedPointer(op.baseAddress!), shift = bias == nil ? nil : bp.baseAddress.map(SharedConstPointer.init)
                    for b in 0..<n {
                        forEachRowBand(oh) { start, end in
                            let rows = end - start
                            let stripRows = rows + kh - 1, stripPlane = stripRows * paddedWidth
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: c * stripPlane + o * rows * ow) { buffer in
                                let strip = buffer.baseAddress!, bandOut = strip + c * stripPlane
                                for ch in 0..<c {
                                    copyPaddedRows(src.base + (b * c + ch) * h * w, height: h, width: w, padding: p, mode: mode,
                                                   firstRow: start, rows: stripRows, into: strip + ch * stripPlane)
                                }
                                gk_thin_conv2d(strip, c, stripRows, paddedWidth, weights.base, o, kh, kw, shift?.base, bandOut, 0, rows)
                                for oo in 0..<o {
                                    (dst.base + ((b * o + oo) * oh + start) * ow).update(from: bandOut + oo * rows * ow, count: rows * ow)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return Variable(Tensor(shape: [n, o, oh, ow], scalars: out))
}

/// Forward and backward of a thin-output convolution (same contract as `conv2d`).
func thinOutputConv2d(_ input: Variable, weight: Variable, bias: Variable?) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let ws = weight.shape
    let o = ws[0], kh = ws[2], kw = ws[3]
    let oh = h - kh + 1, ow = w - kw + 1
    let wide = (oh - 1) * w + ow  // rows of the wide output that hold every valid pixel
    let x = input.value, wv = weight.value, bv = bias?.value
    var out = [Float](unsafeUninitializedCapacity: n * o * oh * ow) { _, count in count = n * o * oh * ow }
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                let biasScalars = bv?.scalars ?? []
                biasScalars.withUnsafeBufferPointer { bp in
                    let src = SharedConstPointer(xp.baseAddress!), weights = SharedConstPointer(wp.baseAddress!)
                    let dst = SharedPointer(op.baseAddress!), shift = bv == nil ? nil : bp.baseAddress.map(SharedConstPointer.init)
                    for b in 0..<n {
                        forEachRowBand(oh) { start, end in
                            gk_thin_conv2d(src.base + b * c * h * w, c, h, w, weights.base, o, kh, kw, shift?.base,
                                           dst.base + b * o * oh * ow, start, end)
                        }
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad
    return Variable(Tensor(shape: [n, o, oh, ow], scalars: out), op: "conv2d", parents: parents) { g in
        var dWeight: Tensor?
        if needWeight {
            var dw = [Float](repeating: 0, count: wv.count)
            // Direct in C where the CPU has AVX-512 (parallel over input channels), else one product per tap.
            let direct = dw.withUnsafeMutableBufferPointer { dwp in
                x.scalars.withUnsafeBufferPointer { xp in
                    g.scalars.withUnsafeBufferPointer { gp in
                        let src = SharedConstPointer(xp.baseAddress!), grad = SharedConstPointer(gp.baseAddress!)
                        let dst = SharedPointer(dwp.baseAddress!)
                        // An empty channel range only asks whether the kernel runs on this CPU for this kernel width.
                        guard gk_thin_conv2d_weight_grad(src.base, c, h, w, grad.base, o, kh, kw, dst.base, 0, 0) == 0 else { return false }
                        let parts = min(c, 4 * BLASThreading.workers), per = (c + parts - 1) / parts
                        for b in 0..<n {
                            DispatchQueue.concurrentPerform(iterations: parts) { part in
                                let c0 = part * per, c1 = min(c, c0 + per)
                                guard c0 < c1 else { return }
                                _ = gk_thin_conv2d_weight_grad(src.base + b * c * h * w, c, h, w, grad.base + b * o * oh * ow,
                                                               o, kh, kw, dst.base, c0, c1)
                            }
                        }
                        return true
                    }
                }
            }
            if !direct {
                var dwt = [Float](repeating: 0, count: kh * kw * c * o)
                var gWide = [Float](repeating: 0, count: wide * o)
                x.scalars.withUnsafeBufferPointer { xp in
                    for b in 0..<n {
                        for oo in 0..<o {
                            for y in 0..<oh {
                                for xx in 0..<ow { gWide[(y * w + xx) * o + oo] = g.scalars[((b * o + oo) * oh + y) * ow + xx] }
                            }
                        }
                        let image = xp.baseAddress! + b * c * h * w
                        gWide.withUnsafeBufferPointer { gp in
                            dwt.withUnsafeMutableBufferPointer { dp in
                                // Taps are independent: spread them over the cores.
                                let src = SharedConstPointer(image), grad = SharedConstPointer(gp.baseAddress!)
                                let dst = SharedPointer(dp.baseAddress!)
                                DispatchQueue.concurrentPerform(iterations: kh * kw) { tap in
                                    serialGemm(transposeA: false, transposeB: false, m: c, n: o, k: wide,
                                               a: src.base + (tap / kw) * w + tap % kw, lda: h * w, b: grad.base, ldb: o,
                                               beta: 1, c: dst.base + tap * c * o, ldc: o)
                                }
                            }
                        }
                    }
                }
                for oo in 0..<o { for cc in 0..<c { for t in 0..<(kh * kw) { dw[(oo * c + cc) * kh * kw + t] = dwt[(t * c + cc) * o + oo] } } }
            }
            dWeight = Tensor(shape: wv.shape, scalars: dw)
        }
        var dInput: Tensor?
        if needInput {
            // The input gradient is a full correlation of dY with the flipped, transposed kernel.
            var flipped = [Float](repeating: 0, count: wv.count)
            for oo in 0..<o {
                for cc in 0..<c {
                    for i in 0..<kh {
                        for j in 0..<kw {
                            flipped[((cc * o + oo) * kh + i) * kw + j] = wv.scalars[((oo * c + cc) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)]
                        }
                    }
                }
            }
            precondition(kh == kw, "conv2d: the thin-output path needs a square kernel")
            dInput = withNoGrad {
                ConvolutionAlgorithm.$current.withValue(.im2col) {
                    conv2d(Variable(g), weight: Variable(Tensor(shape: [c, o, kh, kw], scalars: flipped)), padding: kh - 1).value
                }
            }
        }
        return [dInput, dWeight, bv == nil ? nil : sumOverBatchAndSpace(g)]
    }
}
