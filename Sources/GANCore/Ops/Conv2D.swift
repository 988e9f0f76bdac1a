// 2-D convolution (cross-correlation, as PyTorch), NCHW, zero (or reflection / replication) padding, optional bias.
// out[n,o,y,x] = b[o] + Σ_{c,i,j} w[o,c,i,j] · in[n,c, y·s - p + i·d, x·s - p + j·d]   (d: dilation)
// Per image: col = im2col(in[n]) [C·k·k, oh·ow];  out[n] = W[O, C·k·k] · col.
// Backward:  dW += g[n] · colᵀ;  dcol = Wᵀ · g[n];  din[n] = col2im(dcol);  db[o] = Σ g[n,o,:,:].

/// The output size of a convolution along one axis (a dilated kernel spans d·(k - 1) + 1 pixels).
@inlinable
func convolutionOutputSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int {
    (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
}

/// 2-D convolution of `input` [N, C, H, W] with `weight` [O, C, kh, kw] and optional `bias` [O]; `dilation` spaces
/// the kernel taps as PyTorch's `dilation` (dilated layers always take the im2col kernel). `paddingMode` fills the
/// border: zeros (PyTorch's `padding`), or by reflection or replication, as `pad` followed by an unpadded
/// convolution; Winograd layers read that border inside their input transform instead of from a padded copy.
public func conv2d(_ input: Variable, weight: Variable, bias: Variable? = nil,
                   stride: Int = 1, padding: Int = 0, paddingMode: PaddingMode = .zero, dilation: Int = 1) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let ws = weight.shape
    precondition(ws.count == 4 && ws[1] == c,
                 "conv2d: input shape \(input.shape) does not match weight shape \(ws) (need weight [O, \(c), kh, kw])")
    precondition(stride >= 1 && padding >= 0 && dilation >= 1,
                 "conv2d: stride \(stride) / padding \(padding) / dilation \(dilation) invalid")
    let outChannels = ws[0]
    if let bias { precondition(bias.shape == [outChannels], "conv2d: bias shape \(bias.shape) does not match weight shape \(ws)") }
    let oh = convolutionOutputSize(h, kernel: ws[2], stride: stride, padding: padding, dilation: dilation)
    let ow = convolutionOutputSize(w, kernel: ws[3], stride: stride, padding: padding, dilation: dilation)
    precondition(oh > 0 && ow > 0, "conv2d: input shape \(input.shape) too small for weight shape \(ws) with padding \(padding)")
    // Winograd and the shifted-tap kernel assume adjacent taps: dilated layers take im2col.
    let algorithm = ConvolutionAlgorithm.current
    let winograd = algorithm != .im2col && dilation == 1 &&
        WinogradGeometry.applies(kernelHeight: ws[2], kernelWidth: ws[3], stride: stride, channels: c, outChannels: outChannels)
    let thin = algorithm != .im2col && dilation == 1 &&
        thinOutputConvApplies(channels: c, outChannels: outChannels, stride: stride, padding: 0)
    if thin && padding > 0 && !GradientMode.isEnabled {
        // Inference: each band of output rows reads its own padded strip (no padded copy of the image).
        return thinOutputConv2d(input, weight: weight, bias: bias, padding: padding, mode: paddingMode)
    }
    if paddingMode != .zero && padding > 0 && !winograd {
        return conv2d(pad(input, Padding2D(padding), mode: paddingMode), weight: weight, bias: bias, stride: stride,
                      dilation: dilation)
    }
    if winograd {
        if paddingMode == .reflect {
            precondition(padding < h && padding < w, "conv2d: reflection padding \(padding) must be smaller than the input size, input shape \(input.shape)")
        }
        let tile = switch algorithm {
        case .winograd2x2: 2
        case .winograd4x4: 4
        default: WinogradGeometry.preferredOutputTile(channels: c, outChannels: outChannels, outHeight: oh, outWidth: ow)
        }
        return winogradConv2d(input, weight: weight, bias: bias, padding: padding, paddingMode: paddingMode, outputTile: tile)
    }
    if thin {
        // Training: a padded copy (the autograd graph's pad node) instead of an im2col matrix.
        let source = padding == 0 ? input : pad(input, Padding2D(padding), mode: .zero)
        return thinOutputConv2d(source, weight: weight, bias: bias)
    }
    let geometry = ConvGeometry(channels: c, height: h, width: w, kernelHeight: ws[2], kernelWidth: ws[3],
                                stride: stride, padding: padding, dilation: dilation, outHeight: oh, outWidth: ow)
    if groupedConvolutionApplies(images: n, geometry: geometry) {
        return groupedConv2d(input, weight: weight, bias: bias, geometry: geometry)
    }
    let x = input.value, wv = weight.value, bv = bias?.value
    let plane = oh * ow, tiles = geometry.rowTiles
    // Every output is written by the bias fill or a beta-0 product, every column by im2col: no zero-fill.
    var out = [Float](uninitializedCount: n * outChannels * plane)
    let bfloat16 = InferencePrecision.productsInBFloat16
    // The column matrix is built a band of output rows at a time so that it stays small (7×7 at 256² would be 800 MB).
    var columns = ScratchPool.shared.take(geometry.columnRows * geometry.tileRows * ow)
    defer { ScratchPool.shared.giveBack(&columns) }
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                columns.withUnsafeMutableBufferPointer { cp in
                    for b in 0..<n {
                        let dst = op.baseAddress! + b * outChannels * plane
                        if let bv {
                            for o in 0..<outChannels { for i in 0..<plane { dst[o * plane + i] = bv.scalars[o] } }
                        }
                        for rows in tiles {
                            im2col(xp.baseAddress! + b * geometry.imageSize, geometry, cp.baseAddress!, rows: rows)
                            gemm(transposeA: false, transposeB: false, m: outChannels, n: rows.count * ow, k: geometry.columnRows,
                                 a: wp.baseAddress!, b: cp.baseAddress!, beta: bv == nil ? 0 : 1,
                                 c: dst + rows.lowerBound * ow, ldc: plane, bfloat16: bfloat16)
                        }
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad
    return Variable(Tensor(shape: [n, outChannels, oh, ow], scalars: out), op: "conv2d", parents: parents) { g in
        var dInput = [Float](repeating: 0, count: needInput ? x.count : 0)
        var dWeight = [Float](repeating: 0, count: needWeight ? wv.count : 0)
        let tileCapacity = geometry.columnRows * geometry.tileRows * ow
        // Written by im2col and a beta-0 product before being read.
        var columns = ScratchPool.shared.take(needWeight ? tileCapacity : 0)
        var dColumns = ScratchPool.shared.take(needInput ? tileCapacity : 0)
        defer {
            ScratchPool.shared.giveBack(&columns)
            ScratchPool.shared.giveBack(&dColumns)
        }
        x.scalars.withUnsafeBufferPointer { xp in
            wv.scalars.withUnsafeBufferPointer { wp in
                g.scalars.withUnsafeBufferPointer { gp in
                    for b in 0..<n {
                        for rows in tiles {
                            let gOut = gp.baseAddress! + b * outChannels * plane + rows.lowerBound * ow
                            let tileColumns = rows.count * ow
                            if needWeight {
                                columns.withUnsafeMutableBufferPointer { cp in
                                    im2col(xp.baseAddress! + b * geometry.imageSize, geometry, cp.baseAddress!, rows: rows)
                                }
                                columns.withUnsafeBufferPointer { cp in
                                    dWeight.withUnsafeMutableBufferPointer { dwp in
                                        gemm(transposeA: false, transposeB: true, m: outChannels, n: geometry.columnRows,
                                             k: tileColumns, a: gOut, lda: plane, b: cp.baseAddress!, beta: 1, c: dwp.baseAddress!)
                                    }
                                }
                            }
                            if needInput {
                                dColumns.withUnsafeMutableBufferPointer { dcp in
                                    gemm(transposeA: true, transposeB: false, m: geometry.columnRows, n: tileColumns,
                                         k: outChannels, a: wp.baseAddress!, b: gOut, ldb: plane, beta: 0, c: dcp.baseAddress!)
                                }
                                dColumns.withUnsafeBufferPointer { dcp in
                                    dInput.withUnsafeMutableBufferPointer { dip in
                                        col2im(dcp.baseAddress!, geometry, dip.baseAddress! + b * geometry.imageSize, rows: rows)
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

/// Which kernel `conv2d` uses: `automatic` takes Winograd for stride-1 3×3 layers with at least 16
/// channels in and out (F(4×4, 3×3) or F(2×2, 3×3), whichever `WinogradGeometry.preferredOutputTile`
/// picks), the shifted-tap products of `thinOutputConv2d` for stride-1 unpadded layers with under 16
/// outputs, im2col + sgemm otherwise; the other cases force one kernel (tests compare them).
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Winograd where it applies, im2col + sgemm elsewhere.
    case automatic
    /// im2col + sgemm everywhere.
    case im2col
    /// As `automatic`, with F(2×2, 3×3) on every Winograd layer.
    case winograd2x2
    /// As `automatic`, with F(4×4, 3×3) on every Winograd layer.
    case winograd4x4

    /// The algorithm in force for the current task.
    @TaskLocal public static var current: ConvolutionAlgorithm = .automatic
}
