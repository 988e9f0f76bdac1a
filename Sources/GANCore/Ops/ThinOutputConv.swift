import Dispatch

// Convolution with few output channels (an RGB head: 64 -> 3, 7×7), stride 1, no padding, without
// an im2col matrix (which would hold C·k·k rows per pixel: 822 MB at 256² for the 7×7 head).
// With the input seen as a matrix X [C × H·W] and the output in "wide" rows of W columns
// (n = y·W + x; the last k-1 columns of each row are discarded), every kernel tap (i, j) is one
// product over a shifted view of X:
//   Tᵀ[n, o] += Σ_c X[c, i·W + j + n] · w[o, c, i, j]          (forward: M = pixels, N = O, K = C)
//   dw[o, c, i, j] = Σ_n X[c, i·W + j + n] · Gᵀ[n, o]           (weight gradient: M = C, N = O)
//   dX = conv2d(dY, w flipped and transposed, padding k-1)       (input gradient: a 3-channel im2col)

/// Whether the thin-output path applies: stride 1, no padding, fewer than 16 outputs, at least 16 inputs.
func thinOutputConvApplies(channels: Int, outChannels: Int, stride: Int, padding: Int) -> Bool {
    stride == 1 && padding == 0 && outChannels < 16 && channels >= 16
}

/// Forward and backward of a thin-output convolution (same contract as `conv2d`).
func thinOutputConv2d(_ input: Variable, weight: Variable, bias: Variable?) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let ws = weight.shape
    let o = ws[0], kh = ws[2], kw = ws[3]
    let oh = h - kh + 1, ow = w - kw + 1
    let wide = (oh - 1) * w + ow  // rows of the wide output that hold every valid pixel
    let x = input.value, wv = weight.value, bv = bias?.value
    // Per-tap weights, transposed: wt[(i·kw + j)][c][o] = w[o, c, i, j].
    var wt = [Float](repeating: 0, count: kh * kw * c * o)
    for oo in 0..<o { for cc in 0..<c { for t in 0..<(kh * kw) { wt[(t * c + cc) * o + oo] = wv.scalars[(oo * c + cc) * kh * kw + t] } } }
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    var transposed = [Float](repeating: 0, count: wide * o)
    x.scalars.withUnsafeBufferPointer { xp in
        wt.withUnsafeBufferPointer { wtp in
            for b in 0..<n {
                let image = xp.baseAddress! + b * c * h * w
                transposed.withUnsafeMutableBufferPointer { tp in
                    // Each core takes a band of wide rows through all the taps.
                    let bands = BLASThreading.workers, band = (wide + bands - 1) / bands
                    let src = SharedConstPointer(image), weights = SharedConstPointer(wtp.baseAddress!)
                    let dst = SharedPointer(tp.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: bands) { part in
                        let start = part * band, rows = min(band, wide - start)
                        guard rows > 0 else { return }
                        for tap in 0..<(kh * kw) {
                            serialGemm(transposeA: true, transposeB: false, m: rows, n: o, k: c,
                                       a: src.base + (tap / kw) * w + tap % kw + start, lda: h * w,
                                       b: weights.base + tap * c * o, ldb: o,
                                       beta: tap == 0 ? 0 : 1, c: dst.base + start * o, ldc: o)
                        }
                    }
                }
                for oo in 0..<o {
                    let shift = bv?.scalars[oo] ?? 0
                    for y in 0..<oh {
                        for xx in 0..<ow { out[((b * o + oo) * oh + y) * ow + xx] = transposed[(y * w + xx) * o + oo] + shift }
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
            var dw = [Float](repeating: 0, count: wv.count)
            for oo in 0..<o { for cc in 0..<c { for t in 0..<(kh * kw) { dw[(oo * c + cc) * kh * kw + t] = dwt[(t * c + cc) * o + oo] } } }
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
