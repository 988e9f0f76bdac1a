import Foundation
// Winograd F(m×m, 3×3) for stride-1 3×3 convolutions (Lavin & Gray 2016), m = 2 or 4: (m + 2)²
// multiplies per m×m outputs instead of 9m² (16 for 4 outputs, or 36 for 16). For each α×α input
// tile d (α = m + 2, step m) and each of the α² positions ξ:
//   U[ξ] = (G g Gᵀ)[ξ]  [O×C],   V[ξ] = (Bᵀ d B)[ξ]  [C×T],   M[ξ] = U[ξ] · V[ξ]  [O×T],
//   Y = Aᵀ M A  (each m×m output tile); Bᵀ, G, Aᵀ of each variant in WinogradTransforms.swift.
// Backward (the adjoints, transform by transform):
//   dM = A dY Aᵀ;  dV[ξ] = U[ξ]ᵀ dM[ξ];  dU[ξ] = dM[ξ] V[ξ]ᵀ;  dg = Gᵀ dU G;  dd = B dV Bᵀ (added into overlapping tiles).
// Zero padding is read as zeros at the tile edges, so no padded copy is made; tiles past the
// right and bottom edges compute outputs that are dropped (and take zero gradient). Reflection and
// replication padding fill one band's rows of one channel at a time into a small strip, which the
// transforms read unpadded; the input adjoint writes such a strip and adds its border into the
// pixels it was copied from. Large images
// go through in bands of tile rows (V, M and the products of one band at a time).

/// Sizes of one Winograd convolution.
struct WinogradGeometry: Sendable {
    let channels, height, width, outChannels, padding: Int
    /// m: outputs per tile side (2 or 4).
    let outputTile: Int
    /// How the `padding` border is filled.
    var paddingMode: PaddingMode = .zero
    var outHeight: Int { height + 2 * padding - 2 }
    var outWidth: Int { width + 2 * padding - 2 }
    var tilesHigh: Int { (outHeight + outputTile - 1) / outputTile }
    var tilesWide: Int { (outWidth + outputTile - 1) / outputTile }
    var tiles: Int { tilesHigh * tilesWide }

    /// Tile rows transformed and multiplied together: bands whose V and M stay near 32 MB (so that
    /// large images reuse buffers of bounded size instead of streaming α²·(C + O) floats per tile
    /// through fresh memory: 64 channels at 256x256 ran 3.6x faster in bands), but of at least 512
    /// tiles, for the products' sake (256 channels at 64x64, the generator's blocks, stay whole).
    var bandRows: Int {
        let alpha = outputTile + 2, perRow = alpha * alpha * (channels + outChannels) * tilesWide
        let limits = Self.bandLimits
        return min(tilesHigh, max((limits.minimumTiles + tilesWide - 1) / tilesWide, limits.floats / perRow, 1))
    }
    /// The floats of V and M a band aims at and its fewest tiles (task-local so that tests can make bands small).
    @TaskLocal static var bandLimits = (floats: 8_000_000, minimumTiles: 512)
    var bands: [Range<Int>] {
        stride(from: 0, to: tilesHigh, by: bandRows).map { $0..<min($0 + bandRows, tilesHigh) }
    }

    /// Whether Winograd pays off for this layer: enough channels for the products to stay
    /// efficient GEMMs.
    static func applies(kernelHeight: Int, kernelWidth: Int, stride: Int, channels: Int, outChannels: Int) -> Bool {
        kernelHeight == 3 && kernelWidth == 3 && stride == 1 && channels >= 16 && outChannels >= 16
    }

    /// The tile `ConvolutionAlgorithm.automatic` takes for a layer where `applies` holds: 4, which
    /// measured faster than 2 on every layer shape of the benchmarks (`gantool bench --only conv`),
    /// except for bfloat16 products, where F(4×4)'s larger transform constants amplify the rounding
    /// (ResnetGenerator ngf 64 at 256x256 against float32: mean error 0.021, F(2×2) 0.0048), so they keep F(2×2).
    static func preferredOutputTile(channels: Int, outChannels: Int, outHeight: Int, outWidth: Int) -> Int {
        InferencePrecision.productsInBFloat16 ? 2 : 4
    }
}

/// A weight's Winograd transform U for one tile size, kept in its `Variable` while `version` is current.
struct WinogradWeights: Sendable {
    let version, outputTile: Int
    let values: [Float]
    /// U rounded to bfloat16 and packed for `batchedGemmBFloat16`, made by the first bf16 inference.
    var bfloat16: [UInt16]?
    /// Uᵀ (each position's [C, O]), made by the first call that runs by image groups on the channels-in-lanes kernels.
    var transposed: [Float]?
}

/// Guards every `Variable.winogradWeightsCache`.
private let winogradCacheLock = NSLock()

/// Forward and backward of a stride-1 3×3 convolution through Winograd F(m×m, 3×3), m = `outputTile`
/// (2 or 4), for `conv2d` (same contract: input [N, C, H, W], weight [O, C, 3, 3], optional bias [O]).
func winogradConv2d(_ input: Variable, weight: Variable, bias: Variable?, padding: Int, paddingMode: PaddingMode = .zero,
                    outputTile: Int) -> Variable {
    outputTile == 4 ? winogradConv2d(input, weight: weight, bias: bias, padding: padding, paddingMode: paddingMode, Winograd4x4.self)
        : winogradConv2d(input, weight: weight, bias: bias, padding: padding, paddingMode: paddingMode, Winograd2x2.self)
}

private func winogradConv2d<W: WinogradVariant>(_ input: Variable, weight: Variable, bias: Variable?, padding: Int,
                                                paddingMode: PaddingMode, _ variant: W.Type) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let o = weight.shape[0], positions = W.inputTile * W.inputTile
    let g = WinogradGeometry(channels: c, height: h, width: w, outChannels: o, padding: padding, outputTile: W.outputTile,
                             paddingMode: paddingMode)
    let x = input.value, wv = weight.value, bv = bias?.value
    // U depends on the weight only: reuse it while the weight is unchanged (a generator applied
    // three times per CycleGAN step, or every image of an inference batch).
    // Several threads may run one inference network at once, so the cache is read and written
    // under a lock (held only for the swap, never while transforming).
    let version = weight.version, bfloat16 = InferencePrecision.productsInBFloat16
    var weights: WinogradWeights
    if let cached = winogradCacheLock.withLock({ weight.winogradWeightsCache }), cached.version == version,
       cached.outputTile == W.outputTile {
        weights = cached
    } else {
        weights = WinogradWeights(version: version, outputTile: W.outputTile, values: wv.scalars.withUnsafeBufferPointer {
            winogradWeights(W.self, $0.baseAddress!, outChannels: o, channels: c)
        })
        winogradCacheLock.withLock { weight.winogradWeightsCache = weights }
    }
    if bfloat16 && weights.bfloat16 == nil {
        weights.bfloat16 = weights.values.withUnsafeBufferPointer { packBFloat16(count: positions, m: o, k: c, a: $0.baseAddress!, strideA: o * c) }
        let packed = weights
        winogradCacheLock.withLock { weight.winogradWeightsCache = packed }
    }
    let u = weights.values, packedU = bfloat16 ? weights.bfloat16 : nil
    if packedU == nil && WinogradGeometry.groupsApply(images: n, g) {
        if W.outputTile == 4 && g.takesChannelKernels {
            if weights.transposed == nil {  // kept beside U: a discriminator scores real and fake with one weight
                weights.transposed = transposedWinogradWeights(u, outChannels: o, channels: c)
                let made = weights
                winogradCacheLock.withLock { weight.winogradWeightsCache = made }
            }
            return channelWinogradConv2d(input, weight: weight, bias: bias, geometry: g, transformedWeight: u,
                                         transposed: weights.transposed!)
        }
        return groupedWinogradConv2d(input, weight: weight, bias: bias, geometry: g, transformedWeight: u, W.self)
    }
    let outPlane = g.outHeight * g.outWidth, bands = g.bands
    // Every element of these is written before it is read.
    var out = [Float](unsafeUninitializedCapacity: n * o * outPlane) { _, count in count = n * o * outPlane }
    // When the weight gradient will be needed, every image's V is kept for the backward pass
    // (α²·C·T floats per image, band after band) instead of being transformed again there;
    // otherwise V and M hold one band.
    let keepsInput = GradientMode.isEnabled && weight.requiresGrad
    let vSize = positions * c * g.tiles, bandTiles = g.bandRows * g.tilesWide
    let vCount = keepsInput ? n * vSize : positions * c * bandTiles
    var v = keepsInput ? [Float](uninitializedCount: vCount) : ScratchPool.shared.take(vCount)
    var m = ScratchPool.shared.take(positions * o * bandTiles)
    x.scalars.withUnsafeBufferPointer { xp in
        u.withUnsafeBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in
                m.withUnsafeMutableBufferPointer { mp in
                    out.withUnsafeMutableBufferPointer { op in
                        for b in 0..<n {
                            for rows in bands {
                                let t = rows.count * g.tilesWide
                                let vBand = vp.baseAddress! + (keepsInput ? b * vSize + positions * c * rows.lowerBound * g.tilesWide : 0)
                                winogradInput(W.self, xp.baseAddress! + b * c * h * w, g, rows: rows, into: vBand)
                                if let packedU {
                                    batchedGemmBFloat16(count: positions, m: o, n: t, k: c, packedA: packedU,
                                                        b: vBand, strideB: c * t, c: mp.baseAddress!, strideC: o * t)
                                } else {
                                    batchedGemm(count: positions, transposeA: false, transposeB: false, m: o, n: t, k: c,
                                                a: up.baseAddress!, strideA: o * c, b: vBand, strideB: c * t,
                                                beta: 0, c: mp.baseAddress!, strideC: o * t)
                                }
                                if let bv {
                                    bv.scalars.withUnsafeBufferPointer {
                                        winogradOutput(W.self, mp.baseAddress!, g, rows: rows, bias: $0.baseAddress!, into: op.baseAddress! + b * o * outPlane)
                                    }
                                } else {
                                    winogradOutput(W.self, mp.baseAddress!, g, rows: rows, bias: nil, into: op.baseAddress! + b * o * outPlane)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    ScratchPool.shared.giveBack(&m)
    let keptInput = keepsInput ? v : []
    if !keepsInput { ScratchPool.shared.giveBack(&v) }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad
    return Variable(Tensor(shape: [n, o, g.outHeight, g.outWidth], scalars: out), op: "conv2d", parents: parents) { grad in
        var dInput = [Float](repeating: 0, count: needInput ? x.count : 0)
        // dU: the first band's product (beta 0) writes all of it, the others add (beta 1).
        var du = [Float](uninitializedCount: needWeight ? positions * o * c : 0)
        // Fully written before being read: the output adjoint, V, and the beta-0 products; one band each.
        var dm = ScratchPool.shared.take(positions * o * bandTiles)
        let bandSize = positions * c * bandTiles
        let transformsAgain = keptInput.isEmpty && needWeight
        // V again, a band at a time, where the forward pass kept none (the kept one is only read: no copy of it).
        var v = ScratchPool.shared.take(transformsAgain ? bandSize : 0)
        var dv = ScratchPool.shared.take(needInput ? bandSize : 0)
        x.scalars.withUnsafeBufferPointer { xp in
            grad.scalars.withUnsafeBufferPointer { gp in
                u.withUnsafeBufferPointer { up in
                    dm.withUnsafeMutableBufferPointer { dmp in
                        dv.withUnsafeMutableBufferPointer { dvp in
                            keptInput.withUnsafeBufferPointer { kp in v.withUnsafeMutableBufferPointer { vp in
                                du.withUnsafeMutableBufferPointer { dup in
                                    dInput.withUnsafeMutableBufferPointer { dip in
                                        for b in 0..<n {
                                            for rows in bands {
                                                let t = rows.count * g.tilesWide
                                                winogradOutputAdjoint(W.self, gp.baseAddress! + b * o * outPlane, g, rows: rows, into: dmp.baseAddress!)
                                                if needInput {
                                                    batchedGemm(count: positions, transposeA: true, transposeB: false, m: c, n: t, k: o,
                                                                a: up.baseAddress!, strideA: o * c, b: dmp.baseAddress!, strideB: o * t,
                                                                beta: 0, c: dvp.baseAddress!, strideC: c * t)
                                                    winogradInputAdjoint(W.self, dvp.baseAddress!, g, rows: rows, into: dip.baseAddress! + b * c * h * w)
                                                }
                                                if needWeight {
                                                    let vBand: UnsafePointer<Float>
                                                    if transformsAgain {
                                                        winogradInput(W.self, xp.baseAddress! + b * c * h * w, g, rows: rows, into: vp.baseAddress!)
                                                        vBand = UnsafePointer(vp.baseAddress!)
                                                    } else {
                                                        vBand = kp.baseAddress! + b * vSize + positions * c * rows.lowerBound * g.tilesWide
                                                    }
                                                    batchedGemm(count: positions, transposeA: false, transposeB: true, m: o, n: c, k: t,
                                                                a: dmp.baseAddress!, strideA: o * t, b: vBand, strideB: c * t,
                                                                beta: b == 0 && rows == bands[0] ? 0 : 1, c: dup.baseAddress!,
                                                                strideC: o * c)
                                                }
                                            }
                                        }
                                    }
                                }
                            }}
                        }
                    }
                }
            }
        }
        ScratchPool.shared.giveBack(&dm)
        ScratchPool.shared.giveBack(&dv)
        if transformsAgain { ScratchPool.shared.giveBack(&v) }
        var dWeight = [Float](repeating: 0, count: needWeight ? wv.count : 0)
        if needWeight {
            du.withUnsafeBufferPointer { dup in
                dWeight.withUnsafeMutableBufferPointer { winogradWeightsAdjoint(W.self, dup.baseAddress!, outChannels: o, channels: c, into: $0.baseAddress!) }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? Tensor(shape: wv.shape, scalars: dWeight) : nil,
                bv == nil ? nil : sumOverBatchAndSpace(grad)]
    }
}
