// Convolutions of small images by groups of images (`ImageGroups`): one core per group, one product per group.
// For a group of G images, their column matrices sit side by side, col = [col_1 … col_G] [K, G·P] (K = C·k·k rows,
// P output positions per image), so a 7×7 layer of batch 64 is 4 products of 784 columns, not 64 of 49.
//
// conv2d:           Y = W [O, K] · col;  out[b] = Y[:, b] + bias.
//   backward:       gY = [g_1 … g_G] [O, G·P];  dW_group = gY · colᵀ (groups' partial sums added in group order);
//                   dcol = Wᵀ · gY;  din[b] = col2im(dcol[:, b]).
// convTranspose2d:  X = [x_1 … x_G] [Cin, G·P];  col = Wᵀ [K, Cin] · X;  out[b] = col2im(col[:, b]) + bias.
//   backward:       colg = [im2col(g_b)];  dX = W [Cin, K] · colg;  dW_group = X · colgᵀ.
// Everything inside a group runs on one thread, so the split (by shape only) fixes every sum's order.

/// Whether `conv2d`'s im2col path should run by image groups: a batch of small outputs in one column tile,
/// float32 products.
func groupedConvolutionApplies(images: Int, geometry: ConvGeometry) -> Bool {
    ImageGroups.apply(images: images, columnsPerImage: geometry.columnCount) && geometry.rowTiles.count == 1
        && !InferencePrecision.productsInBFloat16
}

/// Image groups whose column matrices stay within `ConvGeometry.columnBudget`.
private func imageGroups(images: Int, geometry: ConvGeometry) -> ImageGroups {
    ImageGroups(images: images, columnsPerImage: geometry.columnCount,
                targetColumns: max(geometry.columnCount, min(256, ConvGeometry.columnBudget / max(geometry.columnRows, 1))))
}

/// dst[c][j·P + i] = src[c][i] for the C planes of P floats of one image j of a group (`columns` = G·P): the
/// image's planes into its columns of a side-by-side matrix.
@inline(__always)
private func gatherPlanes(_ src: UnsafePointer<Float>, planes: Int, plane: Int, into dst: UnsafeMutablePointer<Float>,
                          columns: Int) {
    for c in 0..<planes { (dst + c * columns).update(from: src + c * plane, count: plane) }
}

/// dst[c][i] = src[c][j·P + i] (+ bias[c]): the inverse of `gatherPlanes`.
@inline(__always)
private func scatterPlanes(_ src: UnsafePointer<Float>, columns: Int, planes: Int, plane: Int, bias: [Float]?,
                           into dst: UnsafeMutablePointer<Float>) {
    for c in 0..<planes {
        let from = src + c * columns, to = dst + c * plane
        if let bias {
            let add = bias[c]
            for i in 0..<plane { to[i] = from[i] + add }
        } else {
            to.update(from: from, count: plane)
        }
    }
}

/// `conv2d` through im2col for a batch of small images, by image groups (same contract; `geometry` describes one image).
func groupedConv2d(_ input: Variable, weight: Variable, bias: Variable?, geometry: ConvGeometry) -> Variable {
    let n = input.shape[0], o = weight.shape[0], plane = geometry.columnCount, k = geometry.columnRows
    let imageSize = geometry.imageSize, groups = imageGroups(images: n, geometry: geometry)
    let x = input.value, wv = weight.value, biasValues = bias?.value.scalars
    var out = [Float](uninitializedCount: n * o * plane)
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                let xs = SharedConstPointer(xp.baseAddress!), ws = SharedConstPointer(wp.baseAddress!)
                let os = SharedPointer(op.baseAddress!)
                groups.forEach { _, images in
                    let columns = images.count * plane
                    var col = ScratchPool.shared.take(k * columns), y = ScratchPool.shared.take(o * columns)
                    col.withUnsafeMutableBufferPointer { cp in
                        y.withUnsafeMutableBufferPointer { yp in
                            for (j, b) in images.enumerated() {
                                im2col(xs.base + b * imageSize, geometry, cp.baseAddress! + j * plane, rowStride: columns, serial: true)
                            }
                            serialGemm(transposeA: false, transposeB: false, m: o, n: columns, k: k, a: ws.base, lda: k,
                                       b: cp.baseAddress!, ldb: columns, beta: 0, c: yp.baseAddress!, ldc: columns)
                            for (j, b) in images.enumerated() {
                                scatterPlanes(yp.baseAddress! + j * plane, columns: columns, planes: o, plane: plane,
                                              bias: biasValues, into: os.base + b * o * plane)
                            }
                        }
                    }
                    ScratchPool.shared.giveBack(&col)
                    ScratchPool.shared.giveBack(&y)
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad, hasBias = bias != nil
    let shape = [n, o, geometry.outHeight, geometry.outWidth]
    return Variable(Tensor(shape: shape, scalars: out), op: "conv2d", parents: parents) { g in
        var dInput = [Float](repeating: 0, count: needInput ? x.count : 0)  // col2im adds into it
        var partials = [Float](uninitializedCount: needWeight ? groups.count * wv.count : 0)
        x.scalars.withUnsafeBufferPointer { xp in
            wv.scalars.withUnsafeBufferPointer { wp in
                g.scalars.withUnsafeBufferPointer { gp in
                    dInput.withUnsafeMutableBufferPointer { dip in
                        partials.withUnsafeMutableBufferPointer { pp in
                            let xs = SharedConstPointer(xp.baseAddress!), ws = SharedConstPointer(wp.baseAddress!)
                            let gs = SharedConstPointer(gp.baseAddress!)
                            let dis = needInput ? SharedPointer(dip.baseAddress!) : nil
                            let ps = needWeight ? SharedPointer(pp.baseAddress!) : nil
                            groups.forEach { group, images in
                                let columns = images.count * plane
                                var gy = ScratchPool.shared.take(o * columns)
                                var col = ScratchPool.shared.take(k * columns)  // the columns, then their gradient
                                gy.withUnsafeMutableBufferPointer { gyp in
                                    col.withUnsafeMutableBufferPointer { cp in
                                        for (j, b) in images.enumerated() {
                                            gatherPlanes(gs.base + b * o * plane, planes: o, plane: plane,
                                                         into: gyp.baseAddress! + j * plane, columns: columns)
                                        }
                                        if let ps {
                                            for (j, b) in images.enumerated() {
                                                im2col(xs.base + b * imageSize, geometry, cp.baseAddress! + j * plane,
                                                       rowStride: columns, serial: true)
                                            }
                                            serialGemm(transposeA: false, transposeB: true, m: o, n: k, k: columns,
                                                       a: gyp.baseAddress!, lda: columns, b: cp.baseAddress!, ldb: columns,
                                                       beta: 0, c: ps.base + group * o * k, ldc: k)
                                        }
                                        if let dis {
                                            serialGemm(transposeA: true, transposeB: false, m: k, n: columns, k: o,
                                                       a: ws.base, lda: k, b: gyp.baseAddress!, ldb: columns,
                                                       beta: 0, c: cp.baseAddress!, ldc: columns)
                                            for (j, b) in images.enumerated() {
                                                col2im(cp.baseAddress! + j * plane, geometry, dis.base + b * imageSize,
                                                       rowStride: columns, serial: true)
                                            }
                                        }
                                    }
                                }
                                ScratchPool.shared.giveBack(&gy)
                                ScratchPool.shared.giveBack(&col)
                            }
                        }
                    }
                }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? Tensor(shape: wv.shape, scalars: summedPartials(partials, groups: groups.count, count: wv.count)) : nil,
                hasBias ? sumOverBatchAndSpace(g) : nil]
    }
}

/// `convTranspose2d` for a batch of small images, by image groups (same contract; `geometry` is the forward
/// convolution that maps one output image back onto the input grid).
func groupedConvTranspose2d(_ input: Variable, weight: Variable, bias: Variable?, geometry: ConvGeometry) -> Variable {
    let (n, c, h, w) = input.value.nchw("convTranspose2d input")
    let o = geometry.channels, k = geometry.columnRows, plane = h * w, outImage = geometry.imageSize
    let outPlane = geometry.height * geometry.width, groups = imageGroups(images: n, geometry: geometry)
    let x = input.value, wv = weight.value, biasValues = bias?.value.scalars
    var out = [Float](uninitializedCount: n * outImage)
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                let xs = SharedConstPointer(xp.baseAddress!), ws = SharedConstPointer(wp.baseAddress!)
                let os = SharedPointer(op.baseAddress!)
                groups.forEach { _, images in
                    let columns = images.count * plane
                    var xg = ScratchPool.shared.take(c * columns), col = ScratchPool.shared.take(k * columns)
                    xg.withUnsafeMutableBufferPointer { xgp in
                        col.withUnsafeMutableBufferPointer { cp in
                            for (j, b) in images.enumerated() {
                                gatherPlanes(xs.base + b * c * plane, planes: c, plane: plane, into: xgp.baseAddress! + j * plane,
                                             columns: columns)
                            }
                            serialGemm(transposeA: true, transposeB: false, m: k, n: columns, k: c, a: ws.base, lda: k,
                                       b: xgp.baseAddress!, ldb: columns, beta: 0, c: cp.baseAddress!, ldc: columns)
                            for (j, b) in images.enumerated() {
                                let dst = os.base + b * outImage
                                for ch in 0..<o {
                                    (dst + ch * outPlane).initialize(repeating: biasValues?[ch] ?? 0, count: outPlane)
                                }
                                col2im(cp.baseAddress! + j * plane, geometry, dst, rowStride: columns, serial: true)
                            }
                        }
                    }
                    ScratchPool.shared.giveBack(&xg)
                    ScratchPool.shared.giveBack(&col)
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad, hasBias = bias != nil
    let shape = [n, o, geometry.height, geometry.width]
    return Variable(Tensor(shape: shape, scalars: out), op: "convTranspose2d", parents: parents) { g in
        var dInput = [Float](uninitializedCount: needInput ? x.count : 0)  // every plane scattered from a beta-0 product
        var partials = [Float](uninitializedCount: needWeight ? groups.count * wv.count : 0)
        x.scalars.withUnsafeBufferPointer { xp in
            wv.scalars.withUnsafeBufferPointer { wp in
                g.scalars.withUnsafeBufferPointer { gp in
                    dInput.withUnsafeMutableBufferPointer { dip in
                        partials.withUnsafeMutableBufferPointer { pp in
                            let xs = SharedConstPointer(xp.baseAddress!), ws = SharedConstPointer(wp.baseAddress!)
                            let gs = SharedConstPointer(gp.baseAddress!)
                            let dis = needInput ? SharedPointer(dip.baseAddress!) : nil
                            let ps = needWeight ? SharedPointer(pp.baseAddress!) : nil
                            groups.forEach { group, images in
                                let columns = images.count * plane
                                var colg = ScratchPool.shared.take(k * columns)
                                var xg = ScratchPool.shared.take(c * columns)  // the inputs, then their gradient
                                colg.withUnsafeMutableBufferPointer { cp in
                                    xg.withUnsafeMutableBufferPointer { xgp in
                                        for (j, b) in images.enumerated() {
                                            im2col(gs.base + b * outImage, geometry, cp.baseAddress! + j * plane,
                                                   rowStride: columns, serial: true)
                                        }
                                        if let ps {
                                            for (j, b) in images.enumerated() {
                                                gatherPlanes(xs.base + b * c * plane, planes: c, plane: plane,
                                                             into: xgp.baseAddress! + j * plane, columns: columns)
                                            }
                                            serialGemm(transposeA: false, transposeB: true, m: c, n: k, k: columns,
                                                       a: xgp.baseAddress!, lda: columns, b: cp.baseAddress!, ldb: columns,
                                                       beta: 0, c: ps.base + group * c * k, ldc: k)
                                        }
                                        if let dis {
                                            serialGemm(transposeA: false, transposeB: false, m: c, n: columns, k: k,
                                                       a: ws.base, lda: k, b: cp.baseAddress!, ldb: columns,
                                                       beta: 0, c: xgp.baseAddress!, ldc: columns)
                                            for (j, b) in images.enumerated() {
                                                scatterPlanes(xgp.baseAddress! + j * plane, columns: columns, planes: c,
                                                              plane: plane, bias: nil, into: dis.base + b * c * plane)
                                            }
                                        }
                                    }
                                }
                                ScratchPool.shared.giveBack(&colg)
                                ScratchPool.shared.giveBack(&xg)
                            }
                        }
                    }
                }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? Tensor(shape: wv.shape, scalars: summedPartials(partials, groups: groups.count, count: wv.count)) : nil,
                hasBias ? sumOverBatchAndSpace(g) : nil]
    }
}
