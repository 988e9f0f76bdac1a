// Winograd convolution of small images by groups of images (`ImageGroups`), as `GroupedConvolution.swift` does for
// im2col: a group of G images keeps its tiles side by side, V[ξ] = [V_1[ξ] … V_G[ξ]] [C, G·T] (T tiles per image),
// so each of the α² products is one GEMM over the group's G·T tiles instead of G products of T (4 at 7×7).
//   M[ξ] = U[ξ] · V[ξ];  Y_b = Aᵀ M_b A.
//   dM_b = A dY_b Aᵀ;  dV[ξ] = U[ξ]ᵀ dM[ξ];  dU_group[ξ] = dM[ξ] V[ξ]ᵀ (groups' partial sums added in group order).
// One thread per group: the split (by shape only) fixes every sum's order whatever the core count.

extension WinogradGeometry {
    /// Whether a batch of `images` runs by image groups: more than one image, each in a single band of few tiles.
    static func groupsApply(images: Int, _ g: WinogradGeometry) -> Bool {
        ImageGroups.apply(images: images, columnsPerImage: g.tiles) && g.tiles < 256 && g.bands.count == 1
    }

    /// The image groups of a batch: about 128 tiles each.
    func imageGroups(images: Int) -> ImageGroups { ImageGroups(images: images, columnsPerImage: tiles, targetColumns: 64) }
}

/// `winogradConv2d` for a batch of small images (`WinogradGeometry.groupsApply`), with the transformed weight `u`
/// [α²][O][C] already made.
func groupedWinogradConv2d<W: WinogradVariant>(_ input: Variable, weight: Variable, bias: Variable?, geometry g: WinogradGeometry,
                                               transformedWeight u: [Float], _: W.Type) -> Variable {
    let n = input.shape[0], c = g.channels, o = g.outChannels, positions = W.inputTile * W.inputTile
    let imageSize = c * g.height * g.width, outPlane = g.outHeight * g.outWidth, tiles = g.tiles
    let vSize = positions * c * tiles, all = 0..<g.tilesHigh, groups = g.imageGroups(images: n)
    let x = input.value, wv = weight.value, bv = bias?.value
    var out = [Float](uninitializedCount: n * o * outPlane)
    // With a weight gradient to come, every group's V is kept (group-major: the group of images i..<j at i·vSize).
    let keepsInput = GradientMode.isEnabled && weight.requiresGrad
    var kept = [Float](uninitializedCount: keepsInput ? n * vSize : 0)
    x.scalars.withUnsafeBufferPointer { xp in
        u.withUnsafeBufferPointer { up in
            out.withUnsafeMutableBufferPointer { op in
                kept.withUnsafeMutableBufferPointer { kp in
                    let xs = SharedConstPointer(xp.baseAddress!), us = SharedConstPointer(up.baseAddress!)
                    let os = SharedPointer(op.baseAddress!), ks = keepsInput ? SharedPointer(kp.baseAddress!) : nil
                    let biasValues = bv?.scalars
                    groups.forEach { _, images in
                        let t = images.count * tiles
                        var scratchV = ScratchPool.shared.take(ks == nil ? positions * c * t : 0)
                        var m = ScratchPool.shared.take(positions * o * t)
                        scratchV.withUnsafeMutableBufferPointer { svp in
                            m.withUnsafeMutableBufferPointer { mp in
                                let v = ks.map { $0.base + images.lowerBound * vSize } ?? svp.baseAddress!
                                for (j, b) in images.enumerated() {
                                    winogradInput(W.self, xs.base + b * imageSize, g, rows: all, into: v + j * tiles,
                                                  tileStride: t, serial: true)
                                }
                                for xi in 0..<positions {
                                    serialGemm(transposeA: false, transposeB: false, m: o, n: t, k: c, a: us.base + xi * o * c, lda: c,
                                               b: v + xi * c * t, ldb: t, beta: 0, c: mp.baseAddress! + xi * o * t, ldc: t)
                                }
                                biasValues.withUnsafeOptionalPointer { bias in
                                    for (j, b) in images.enumerated() {
                                        winogradOutput(W.self, mp.baseAddress! + j * tiles, g, rows: all, bias: bias,
                                                       into: os.base + b * o * outPlane, tileStride: t, serial: true)
                                    }
                                }
                            }
                        }
                        ScratchPool.shared.giveBack(&scratchV)
                        ScratchPool.shared.giveBack(&m)
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad, keptInput = kept
    return Variable(Tensor(shape: [n, o, g.outHeight, g.outWidth], scalars: out), op: "conv2d", parents: parents) { grad in
        var dInput = [Float](repeating: 0, count: needInput ? x.count : 0)  // the input adjoint adds into it
        var partials = [Float](uninitializedCount: needWeight ? groups.count * positions * o * c : 0)
        x.scalars.withUnsafeBufferPointer { xp in
            grad.scalars.withUnsafeBufferPointer { gp in
                u.withUnsafeBufferPointer { up in
                    keptInput.withUnsafeBufferPointer { kp in
                        dInput.withUnsafeMutableBufferPointer { dip in
                            partials.withUnsafeMutableBufferPointer { pp in
                                let xs = SharedConstPointer(xp.baseAddress!), gs = SharedConstPointer(gp.baseAddress!)
                                let us = SharedConstPointer(up.baseAddress!)
                                let ks = keptInput.isEmpty ? nil : SharedConstPointer(kp.baseAddress!)
                                let dis = needInput ? SharedPointer(dip.baseAddress!) : nil
                                let ps = needWeight ? SharedPointer(pp.baseAddress!) : nil
                                groups.forEach { group, images in
                                    let t = images.count * tiles
                                    var dm = ScratchPool.shared.take(positions * o * t)
                                    // dV, then (where the forward kept none) V again.
                                    var work = ScratchPool.shared.take(positions * c * t)
                                    dm.withUnsafeMutableBufferPointer { dmp in
                                        work.withUnsafeMutableBufferPointer { wp in
                                            let dmBase = dmp.baseAddress!, workBase = wp.baseAddress!
                                            for (j, b) in images.enumerated() {
                                                winogradOutputAdjoint(W.self, gs.base + b * o * outPlane, g, rows: all,
                                                                      into: dmBase + j * tiles, tileStride: t, serial: true)
                                            }
                                            if let dis {
                                                for xi in 0..<positions {
                                                    serialGemm(transposeA: true, transposeB: false, m: c, n: t, k: o,
                                                               a: us.base + xi * o * c, lda: c, b: dmBase + xi * o * t, ldb: t,
                                                               beta: 0, c: workBase + xi * c * t, ldc: t)
                                                }
                                                for (j, b) in images.enumerated() {
                                                    winogradInputAdjoint(W.self, workBase + j * tiles, g, rows: all,
                                                                         into: dis.base + b * imageSize, tileStride: t, serial: true)
                                                }
                                            }
                                            if let ps {
                                                let v: UnsafePointer<Float>
                                                if let ks {
                                                    v = ks.base + images.lowerBound * vSize
                                                } else {
                                                    for (j, b) in images.enumerated() {
                                                        winogradInput(W.self, xs.base + b * imageSize, g, rows: all,
                                                                      into: workBase + j * tiles, tileStride: t, serial: true)
                                                    }
                                                    v = UnsafePointer(workBase)
                                                }
                                                let du = ps.base + group * positions * o * c
                                                for xi in 0..<positions {
                                                    serialGemm(transposeA: false, transposeB: true, m: o, n: c, k: t,
                                                               a: dmBase + xi * o * t, lda: t, b: v + xi * c * t, ldb: t,
                                                               beta: 0, c: du + xi * o * c, ldc: c)
                                                }
                                            }
                                        }
                                    }
                                    ScratchPool.shared.giveBack(&dm)
                                    ScratchPool.shared.giveBack(&work)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? winogradWeightGradient(W.self, partials: partials, groups: groups.count, shape: wv.shape) : nil,
                bv == nil ? nil : sumOverBatchAndSpace(grad)]
    }
}

/// dW [O, C, 3, 3] = Gᵀ dU G of dU = the groups' partial dU [α²][O][C] added in group order.
func winogradWeightGradient<W: WinogradVariant>(_: W.Type, partials: [Float], groups: Int, shape: [Int]) -> Tensor {
    let o = shape[0], c = shape[1]
    let du = summedPartials(partials, groups: groups, count: W.inputTile * W.inputTile * o * c)
    var dWeight = [Float](repeating: 0, count: o * c * 9)
    du.withUnsafeBufferPointer { dup in
        dWeight.withUnsafeMutableBufferPointer { winogradWeightsAdjoint(W.self, dup.baseAddress!, outChannels: o, channels: c, into: $0.baseAddress!) }
    }
    return Tensor(shape: shape, scalars: dWeight)
}

extension Optional where Wrapped == [Float] {
    /// Runs `body` with a pointer to the array's floats, or nil when there is no array.
    @inline(__always)
    func withUnsafeOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let values): values.withUnsafeBufferPointer { body($0.baseAddress!) }
        case .none: body(nil)
        }
    }
}
