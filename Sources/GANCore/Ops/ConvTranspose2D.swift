// Transposed 2-D convolution (PyTorch ConvTranspose2d), the adjoint of conv2d w.r.t. its input.
// Weight layout [Cin, Cout, kh, kw]. Output size: (H - 1)·s - 2p + k + output_padding.
// Per image: col = Wᵀ[Cout·k·k, Cin] · in[n] [Cin, H·W];  out[n] = col2im(col) (+ b).
// Backward:  col_g = im2col(g[n]);  din[n] = W[Cin, Cout·k·k] · col_g;  dW += in[n] · col_gᵀ;  db = Σ g.

/// Transposed convolution of `input` [N, Cin, H, W] with `weight` [Cin, Cout, kh, kw] and optional `bias` [Cout].
public func convTranspose2d(_ input: Variable, weight: Variable, bias: Variable? = nil,
                            stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) -> Variable {
    let (n, c, h, w) = input.value.nchw("convTranspose2d input")
    let ws = weight.shape
    precondition(ws.count == 4 && ws[0] == c,
                 "convTranspose2d: input shape \(input.shape) does not match weight shape \(ws) (need weight [\(c), Cout, kh, kw])")
    precondition(outputPadding >= 0 && outputPadding < max(stride, 1),
                 "convTranspose2d: output padding \(outputPadding) must be smaller than stride \(stride)")
    let outChannels = ws[1]
    if let bias { precondition(bias.shape == [outChannels], "convTranspose2d: bias shape \(bias.shape) does not match weight shape \(ws)") }
    let oh = (h - 1) * stride - 2 * padding + ws[2] + outputPadding
    let ow = (w - 1) * stride - 2 * padding + ws[3] + outputPadding
    precondition(oh > 0 && ow > 0, "convTranspose2d: input shape \(input.shape) with weight shape \(ws) gives empty output")
    // The geometry of the forward convolution that maps the output image back to the input grid.
    let geometry = ConvGeometry(channels: outChannels, height: oh, width: ow, kernelHeight: ws[2], kernelWidth: ws[3],
                                stride: stride, padding: padding, outHeight: h, outWidth: w)
    if groupedConvolutionApplies(images: n, geometry: geometry) {
        return groupedConvTranspose2d(input, weight: weight, bias: bias, geometry: geometry)
    }
    let x = input.value, wv = weight.value, bv = bias?.value
    let inImage = c * h * w, outImage = geometry.imageSize, inPlane = h * w, tiles = geometry.rowTiles
    // col2im adds into the output: it starts as zeros, or as the bias the loop below fills in.
    var out = bv == nil ? [Float](repeating: 0, count: n * outImage) : [Float](uninitializedCount: n * outImage)
    // The column matrix is built a band of input rows at a time to bound its size.
    var columns = ScratchPool.shared.take(geometry.columnRows * geometry.tileRows * w)  // beta-0 products
    defer { ScratchPool.shared.giveBack(&columns) }
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                for b in 0..<n {
                    let dst = op.baseAddress! + b * outImage
                    if let bv {
                        for o in 0..<outChannels { for i in 0..<(oh * ow) { dst[o * oh * ow + i] = bv.scalars[o] } }
                    }
                    for rows in tiles {
                        columns.withUnsafeMutableBufferPointer { cp in
                            gemm(transposeA: true, transposeB: false, m: geometry.columnRows, n: rows.count * w, k: c,
                                 a: wp.baseAddress!, b: xp.baseAddress! + b * inImage + rows.lowerBound * w, ldb: inPlane,
                                 beta: 0, c: cp.baseAddress!)
                        }
                        columns.withUnsafeBufferPointer { cp in col2im(cp.baseAddress!, geometry, dst, rows: rows) }
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad
    return Variable(Tensor(shape: [n, outChannels, oh, ow], scalars: out), op: "convTranspose2d", parents: parents) { g in
        // dInput: every band written by a beta-0 product; columns: by im2col.
        var dInput = [Float](uninitializedCount: needInput ? x.count : 0)
        var dWeight = [Float](repeating: 0, count: needWeight ? wv.count : 0)
        var columns = ScratchPool.shared.take(geometry.columnRows * geometry.tileRows * w)
        defer { ScratchPool.shared.giveBack(&columns) }
        x.scalars.withUnsafeBufferPointer { xp in
            wv.scalars.withUnsafeBufferPointer { wp in
                g.scalars.withUnsafeBufferPointer { gp in
                    for b in 0..<n {
                        for rows in tiles {
                            let offset = b * inImage + rows.lowerBound * w, tileColumns = rows.count * w
                            columns.withUnsafeMutableBufferPointer { cp in
                                im2col(gp.baseAddress! + b * outImage, geometry, cp.baseAddress!, rows: rows)
                            }
                            columns.withUnsafeBufferPointer { cp in
                                if needInput {
                                    dInput.withUnsafeMutableBufferPointer { dip in
                                        gemm(transposeA: false, transposeB: false, m: c, n: tileColumns, k: geometry.columnRows,
                                             a: wp.baseAddress!, b: cp.baseAddress!, beta: 0, c: dip.baseAddress! + offset, ldc: inPlane)
                                    }
                                }
                                if needWeight {
                                    dWeight.withUnsafeMutableBufferPointer { dwp in
                                        gemm(transposeA: false, transposeB: true, m: c, n: geometry.columnRows, k: tileColumns,
                                             a: xp.baseAddress! + offset, lda: inPlane, b: cp.baseAddress!, beta: 1, c: dwp.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? Tensor(shape: wv.shape, scalars: dWeight) : nil,
                bv == nil ? nil : sumOverBatchAndSpace(g)]
    }
}
