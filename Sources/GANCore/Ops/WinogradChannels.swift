import CKernels

// Winograd F(4×4, 3×3) by image groups with the channels in the vector lanes (`winograd_channels.c`), for small
// images with zero padding: each image goes to HWC order, its tiles' transforms take sixteen channels per vector, and
// V, M and their gradients are kept tile-major, Vᵀ[ξ] [T, C] (T: the group's tiles), so the products become
//   Mᵀ[ξ] = Vᵀ[ξ] · Uᵀ[ξ]  [T, O];   Y_b = Aᵀ M_b A (from HWC back to CHW, + bias).
// Backward:  dMᵀ_b = A dY_b Aᵀ;  dVᵀ[ξ] = dMᵀ[ξ] · U[ξ]  [T, C];  dU_group[ξ] = dMᵀ[ξ]ᵀ · Vᵀ[ξ]  [O, C]
// (groups' partial sums added in group order); dX_b = B dV_b Bᵀ accumulated in HWC, then back to CHW.

extension WinogradGeometry {
    /// Whether the channels-in-lanes kernels take this grouped layer: F(4×4), zero padding, an AVX-512 CPU.
    var takesChannelKernels: Bool {
        outputTile == 4 && (paddingMode == .zero || padding == 0) && WinogradKernels.runsC
            && gk_winograd4x4_channels_supported() != 0
    }
}

/// dst[p·c + ch] = src[ch·planeSize + p]: one image from CHW to HWC.
@inline(__always)
private func toChannelsLast(_ src: UnsafePointer<Float>, channels c: Int, planeSize: Int, into dst: UnsafeMutablePointer<Float>) {
    gk_transpose(src, c, planeSize, dst)
}

/// dst[ch·planeSize + p] = src[p·c + ch]: one image from HWC back to CHW.
@inline(__always)
private func toChannelsFirst(_ src: UnsafePointer<Float>, channels c: Int, planeSize: Int, into dst: UnsafeMutablePointer<Float>) {
    gk_transpose(src, planeSize, c, dst)
}

/// Uᵀ[ξ] [C, O] of the transformed weight U[ξ] [O, C] (α² = 36 positions), for the forward products.
func transposedWinogradWeights(_ u: [Float], outChannels o: Int, channels c: Int) -> [Float] {
    var ut = [Float](uninitializedCount: u.count)
    u.withUnsafeBufferPointer { up in
        ut.withUnsafeMutableBufferPointer { utp in
            let from = SharedConstPointer(up.baseAddress!), to = SharedPointer(utp.baseAddress!)
            parallelFor(u.count / (o * c), work: u.count) { xi in gk_transpose(from.base + xi * o * c, o, c, to.base + xi * o * c) }
        }
    }
    return ut
}

/// `groupedWinogradConv2d` on the channels-in-lanes kernels (`WinogradGeometry.takesChannelKernels`), F(4×4), with
/// the transformed weight U and its transpose (`transposedWinogradWeights`).
func channelWinogradConv2d(_ input: Variable, weight: Variable, bias: Variable?, geometry g: WinogradGeometry,
                           transformedWeight u: [Float], transposed ut: [Float]) -> Variable {
    let n = input.shape[0], c = g.channels, o = g.outChannels, positions = 36
    let planeSize = g.height * g.width, outPlane = g.outHeight * g.outWidth, tiles = g.tiles
    let vSize = positions * c * tiles, groups = g.imageGroups(images: n)
    let x = input.value, wv = weight.value, biasValues = bias?.value.scalars
    var out = [Float](uninitializedCount: n * o * outPlane)
    let keepsInput = GradientMode.isEnabled && weight.requiresGrad
    var kept = [Float](uninitializedCount: keepsInput ? n * vSize : 0)  // group-major: images i..<j at i·vSize
    x.scalars.withUnsafeBufferPointer { xp in
        ut.withUnsafeBufferPointer { utp in
            out.withUnsafeMutableBufferPointer { op in
                kept.withUnsafeMutableBufferPointer { kp in
                    let xs = SharedConstPointer(xp.baseAddress!), uts = SharedConstPointer(utp.baseAddress!)
                    let os = SharedPointer(op.baseAddress!), ks = keepsInput ? SharedPointer(kp.baseAddress!) : nil
                    groups.forEach { _, images in
                        let t = images.count * tiles
                        var scratchV = ScratchPool.shared.take(ks == nil ? positions * c * t : 0)
                        var m = ScratchPool.shared.take(positions * o * t)
                        var image = ScratchPool.shared.take(max(c * planeSize, o * outPlane))
                        scratchV.withUnsafeMutableBufferPointer { svp in
                            m.withUnsafeMutableBufferPointer { mp in
                                image.withUnsafeMutableBufferPointer { ip in
                                    let v = ks.map { $0.base + images.lowerBound * vSize } ?? svp.baseAddress!
                                    let hwc = ip.baseAddress!
                                    for (j, b) in images.enumerated() {
                                        toChannelsLast(xs.base + b * c * planeSize, channels: c, planeSize: planeSize, into: hwc)
                                        _ = gk_winograd4x4_input_channels(hwc, g.height, g.width, c, g.padding, g.tilesHigh,
                                                                          g.tilesWide, v, c * t, j * tiles)
                                    }
                                    for xi in 0..<positions {
                                        serialGemm(transposeA: false, transposeB: false, m: t, n: o, k: c, a: v + xi * c * t, lda: c,
                                                   b: uts.base + xi * o * c, ldb: o, beta: 0, c: mp.baseAddress! + xi * o * t, ldc: o)
                                    }
                                    biasValues.withUnsafeOptionalPointer { bias in
                                        for (j, b) in images.enumerated() {
                                            _ = gk_winograd4x4_output_channels(mp.baseAddress!, o * t, j * tiles, g.tilesHigh, g.tilesWide,
                                                                               o, bias, hwc, g.outHeight, g.outWidth)
                                            toChannelsFirst(hwc, channels: o, planeSize: outPlane, into: os.base + b * o * outPlane)
                                        }
                                    }
                                }
                            }
                        }
                        ScratchPool.shared.giveBack(&scratchV)
                        ScratchPool.shared.giveBack(&m)
                        ScratchPool.shared.giveBack(&image)
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad, keptInput = kept, hasBias = bias != nil
    return Variable(Tensor(shape: [n, o, g.outHeight, g.outWidth], scalars: out), op: "conv2d", parents: parents) { grad in
        var dInput = [Float](uninitializedCount: needInput ? x.count : 0)  // every image written back from HWC
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
                                    var work = ScratchPool.shared.take(positions * c * t)  // dVᵀ, then (if none kept) Vᵀ
                                    var image = ScratchPool.shared.take(max(c * planeSize, o * outPlane))
                                    dm.withUnsafeMutableBufferPointer { dmp in
                                        work.withUnsafeMutableBufferPointer { wp in
                                            image.withUnsafeMutableBufferPointer { ip in
                                                let dmBase = dmp.baseAddress!, workBase = wp.baseAddress!, hwc = ip.baseAddress!
                                                for (j, b) in images.enumerated() {
                                                    toChannelsLast(gs.base + b * o * outPlane, channels: o, planeSize: outPlane, into: hwc)
                                                    _ = gk_winograd4x4_output_adjoint_channels(hwc, g.outHeight, g.outWidth, o, g.tilesHigh,
                                                                                               g.tilesWide, dmBase, o * t, j * tiles)
                                                }
                                                if let dis {
                                                    for xi in 0..<positions {
                                                        serialGemm(transposeA: false, transposeB: false, m: t, n: c, k: o,
                                                                   a: dmBase + xi * o * t, lda: o, b: us.base + xi * o * c, ldb: c,
                                                                   beta: 0, c: workBase + xi * c * t, ldc: c)
                                                    }
                                                    for (j, b) in images.enumerated() {
                                                        hwc.initialize(repeating: 0, count: c * planeSize)
                                                        _ = gk_winograd4x4_input_adjoint_channels(workBase, c * t, j * tiles, g.height, g.width, c,
                                                                                                  g.padding, g.tilesHigh, g.tilesWide, hwc)
                                                        toChannelsFirst(hwc, channels: c, planeSize: planeSize, into: dis.base + b * c * planeSize)
                                                    }
                                                }
                                                if let ps {
                                                    let v: UnsafePointer<Float>
                                                    if let ks {
                                                        v = ks.base + images.lowerBound * vSize
                                                    } else {
                                                        for (j, b) in images.enumerated() {
                                                            toChannelsLast(xs.base + b * c * planeSize, channels: c, planeSize: planeSize, into: hwc)
                                                            _ = gk_winograd4x4_input_channels(hwc, g.height, g.width, c, g.padding, g.tilesHigh,
                                                                                              g.tilesWide, workBase, c * t, j * tiles)
                                                        }
                                                        v = UnsafePointer(workBase)
                                                    }
                                                    let du = ps.base + group * positions * o * c
                                                    for xi in 0..<positions {
                                                        serialGemm(transposeA: true, transposeB: false, m: o, n: c, k: t,
                                                                   a: dmBase + xi * o * t, lda: o, b: v + xi * c * t, ldb: c,
                                                                   beta: 0, c: du + xi * o * c, ldc: c)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                    ScratchPool.shared.giveBack(&dm)
                                    ScratchPool.shared.giveBack(&work)
                                    ScratchPool.shared.giveBack(&image)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? winogradWeightGradient(Winograd4x4.self, partials: partials, groups: groups.count, shape: wv.shape) : nil,
                hasBias ? sumOverBatchAndSpace(grad) : nil]
    }
}
