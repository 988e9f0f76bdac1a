import Foundation
// Winograd F(2×2, 3×3) for stride-1 3×3 convolutions (Lavin & Gray 2016): 16 multiplies per
// 2×2 outputs instead of 36. For each 4×4 input tile d (step 2) and each of the 16 positions ξ:
//   U[ξ] = (G g Gᵀ)[ξ]  [O×C],   V[ξ] = (Bᵀ d B)[ξ]  [C×T],   M[ξ] = U[ξ] · V[ξ]  [O×T],
//   Y = Aᵀ M A  (each 2×2 output tile), with
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
// Backward (the adjoints, transform by transform):
//   dM = A dY Aᵀ;  dV[ξ] = U[ξ]ᵀ dM[ξ];  dU[ξ] = dM[ξ] V[ξ]ᵀ;  dg = Gᵀ dU G;  dd = B dV Bᵀ (added into overlapping tiles).
// Zero padding is read as zeros at the tile edges, so no padded copy is made.

/// Sizes of one Winograd convolution.
struct WinogradGeometry: Sendable {
    let channels, height, width, outChannels, padding: Int
    var outHeight: Int { height + 2 * padding - 2 }
    var outWidth: Int { width + 2 * padding - 2 }
    var tilesHigh: Int { (outHeight + 1) / 2 }
    var tilesWide: Int { (outWidth + 1) / 2 }
    var tiles: Int { tilesHigh * tilesWide }

    /// Whether Winograd pays off for this layer: enough channels for the 16 products to stay
    /// efficient GEMMs.
    static func applies(kernelHeight: Int, kernelWidth: Int, stride: Int, channels: Int, outChannels: Int) -> Bool {
        kernelHeight == 3 && kernelWidth == 3 && stride == 1 && channels >= 16 && outChannels >= 16
    }
}

/// U[ξ][o][c] = (G g[o,c] Gᵀ)[ξ] for a weight [O, C, 3, 3].
func winogradWeights(_ weight: UnsafePointer<Float>, outChannels: Int, channels: Int) -> [Float] {
    let plane = outChannels * channels
    var u = [Float](repeating: 0, count: 16 * plane)
    u.withUnsafeMutableBufferPointer { up in
        let dst = SharedPointer(up.baseAddress!), src = SharedConstPointer(weight)
        parallelFor(outChannels, work: 16 * plane) { o in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 12) { t in  // G g: 4 rows × 3
            for c in 0..<channels {
                let g = src.base + (o * channels + c) * 9
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0; t[3 + j] = 0.5 * (g0 + g1 + g2); t[6 + j] = 0.5 * (g0 - g1 + g2); t[9 + j] = g2
                }
                for i in 0..<4 {
                    let r0 = t[3 * i], r1 = t[3 * i + 1], r2 = t[3 * i + 2]
                    let out = dst.base + o * channels + c
                    out[(4 * i) * plane] = r0
                    out[(4 * i + 1) * plane] = 0.5 * (r0 + r1 + r2)
                    out[(4 * i + 2) * plane] = 0.5 * (r0 - r1 + r2)
                    out[(4 * i + 3) * plane] = r2
                }
            }
            }
        }
    }
    return u
}

/// dg[o,c] += Gᵀ dU[o,c] G, the adjoint of `winogradWeights`.
func winogradWeightsAdjoint(_ du: UnsafePointer<Float>, outChannels: Int, channels: Int, into dWeight: UnsafeMutablePointer<Float>) {
    let plane = outChannels * channels
    let src = SharedConstPointer(du), dst = SharedPointer(dWeight)
    parallelFor(outChannels, work: 16 * plane) { o in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 12) { x in  // Gᵀ dU: 3 rows × 4
        for c in 0..<channels {
            let at = o * channels + c
            for l in 0..<4 {
                let d0 = src.base[(l) * plane + at], d1 = src.base[(4 + l) * plane + at]
                let d2 = src.base[(8 + l) * plane + at], d3 = src.base[(12 + l) * plane + at]
                x[l] = d0 + 0.5 * (d1 + d2); x[4 + l] = 0.5 * (d1 - d2); x[8 + l] = 0.5 * (d1 + d2) + d3
            }
            let g = dst.base + at * 9
            for a in 0..<3 {
                let x0 = x[4 * a], x1 = x[4 * a + 1], x2 = x[4 * a + 2], x3 = x[4 * a + 3]
                g[3 * a] += x0 + 0.5 * (x1 + x2)
                g[3 * a + 1] += 0.5 * (x1 - x2)
                g[3 * a + 2] += 0.5 * (x1 + x2) + x3
            }
        }
        }
    }
}

/// V[ξ][c][t] = (Bᵀ d B)[ξ] for every 4×4 tile d of one image [C, H, W] (zeros outside it).
/// Interior tiles go four at a time in SIMD lanes (tile tx+l in lane l); edge tiles one by one.
func winogradInput(_ image: UnsafePointer<Float>, _ g: WinogradGeometry, into v: UnsafeMutablePointer<Float>) {
    let plane = g.channels * g.tiles
    let src = SharedConstPointer(image), dst = SharedPointer(v)
    // Tiles tx whose four input columns 2tx-p ..< 2tx-p+4 lie inside the image.
    let firstInterior = (g.padding + 1) / 2
    let lastInterior = (g.width + g.padding - 4) / 2  // inclusive
    parallelFor(g.channels, work: 16 * plane) { c in
        let input = src.base + c * g.height * g.width
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { t in
            for ty in 0..<g.tilesHigh {
                let y0 = 2 * ty - g.padding
                let rowsInside = y0 >= 0 && y0 + 4 <= g.height
                let out = dst.base + c * g.tiles + ty * g.tilesWide
                var tx = 0
                while tx < g.tilesWide {
                    if rowsInside && tx >= firstInterior && tx + 3 <= lastInterior {
                        // Four tiles: lane l holds tile tx+l; a_j[l] = row[2(tx+l) - p + j].
                        let x0 = 2 * tx - g.padding
                        func load(_ r: Int) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
                            let base = UnsafeRawPointer(input + (y0 + r) * g.width + x0)
                            let v0 = base.loadUnaligned(as: SIMD8<Float>.self)
                            let v1 = (base + 8 * MemoryLayout<Float>.stride).loadUnaligned(as: SIMD2<Float>.self)
                            let v2 = SIMD8<Float>(lowHalf: SIMD4(v0[2], v0[3], v0[4], v0[5]), highHalf: SIMD4(v0[6], v0[7], v1[0], v1[1]))
                            return (v0.evenHalf, v0.oddHalf, v2.evenHalf, v2.oddHalf)
                        }
                        let (a0, a1, a2, a3) = load(0), (b0, b1, b2, b3) = load(1)
                        let (c0, c1, c2, c3) = load(2), (d0, d1, d2, d3) = load(3)
                        // Bᵀ d over rows (a, b, c, d are rows 0...3), per column j.
                        let r0 = (a0 - c0, a1 - c1, a2 - c2, a3 - c3)
                        let r1 = (b0 + c0, b1 + c1, b2 + c2, b3 + c3)
                        let r2 = (c0 - b0, c1 - b1, c2 - b2, c3 - b3)
                        let r3 = (b0 - d0, b1 - d1, b2 - d2, b3 - d3)
                        @inline(__always) func store(_ i: Int, _ r: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)) {
                            let at = out + tx
                            UnsafeMutableRawPointer(at + (4 * i) * plane).storeBytes(of: r.0 - r.2, as: SIMD4<Float>.self)
                            UnsafeMutableRawPointer(at + (4 * i + 1) * plane).storeBytes(of: r.1 + r.2, as: SIMD4<Float>.self)
                            UnsafeMutableRawPointer(at + (4 * i + 2) * plane).storeBytes(of: r.2 - r.1, as: SIMD4<Float>.self)
                            UnsafeMutableRawPointer(at + (4 * i + 3) * plane).storeBytes(of: r.1 - r.3, as: SIMD4<Float>.self)
                        }
                        store(0, r0); store(1, r1); store(2, r2); store(3, r3)
                        tx += 4
                        continue
                    }
                    let x0 = 2 * tx - g.padding
                    for i in 0..<4 {
                        let y = y0 + i
                        for j in 0..<4 {
                            let x = x0 + j
                            t[4 * i + j] = (y >= 0 && y < g.height && x >= 0 && x < g.width) ? input[y * g.width + x] : 0
                        }
                    }
                    for j in 0..<4 {
                        let d0 = t[j], d1 = t[4 + j], d2 = t[8 + j], d3 = t[12 + j]
                        t[j] = d0 - d2; t[4 + j] = d1 + d2; t[8 + j] = d2 - d1; t[12 + j] = d1 - d3
                    }
                    let at = out + tx
                    for i in 0..<4 {
                        let e0 = t[4 * i], e1 = t[4 * i + 1], e2 = t[4 * i + 2], e3 = t[4 * i + 3]
                        at[(4 * i) * plane] = e0 - e2
                        at[(4 * i + 1) * plane] = e1 + e2
                        at[(4 * i + 2) * plane] = e2 - e1
                        at[(4 * i + 3) * plane] = e1 - e3
                    }
                    tx += 1
                }
            }
        }
    }
}

/// dImage += B dV Bᵀ for every tile, the adjoint of `winogradInput` (tiles overlap; parallel over
/// channels). Interior tiles go four at a time in SIMD lanes, like the forward transform.
func winogradInputAdjoint(_ dv: UnsafePointer<Float>, _ g: WinogradGeometry, into dImage: UnsafeMutablePointer<Float>) {
    let plane = g.channels * g.tiles
    let src = SharedConstPointer(dv), dst = SharedPointer(dImage)
    let firstInterior = (g.padding + 1) / 2
    let lastInterior = (g.width + g.padding - 4) / 2  // inclusive
    parallelFor(g.channels, work: 16 * plane) { c in
        let image = dst.base + c * g.height * g.width
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { t in
            for ty in 0..<g.tilesHigh {
                let y0 = 2 * ty - g.padding
                let rowsInside = y0 >= 0 && y0 + 4 <= g.height
                let row0 = src.base + c * g.tiles + ty * g.tilesWide
                var tx = 0
                while tx < g.tilesWide {
                    let x0 = 2 * tx - g.padding
                    if rowsInside && tx >= firstInterior && tx + 3 <= lastInterior {
                        // Lane l is tile tx+l; v(k, j) is dV at tile row k, column j.
                        @inline(__always) func v(_ k: Int, _ j: Int) -> SIMD4<Float> {
                            UnsafeRawPointer(row0 + (4 * k + j) * plane + tx).loadUnaligned(as: SIMD4<Float>.self)
                        }
                        for a in 0..<4 {
                            // Row a of B dV, then its four columns after · Bᵀ.
                            @inline(__always) func x(_ j: Int) -> SIMD4<Float> {
                                switch a {
                                case 0: return v(0, j)
                                case 1: return v(1, j) - v(2, j) + v(3, j)
                                case 2: return v(1, j) + v(2, j) - v(0, j)
                                default: return -v(3, j)
                                }
                            }
                            let x0v = x(0), x1v = x(1), x2v = x(2), x3v = x(3)
                            let c0 = x0v, c1 = x1v - x2v + x3v, c2 = x1v + x2v - x0v, c3 = -x3v
                            // Tile l adds c0..c3 at columns 2l..2l+3: even columns get c0[l] + c2[l-1],
                            // odd columns c1[l] + c3[l-1]; columns 8 and 9 get c2[3] and c3[3].
                            let even = c0 + SIMD4(0, c2[0], c2[1], c2[2]), odd = c1 + SIMD4(0, c3[0], c3[1], c3[2])
                            let line = image + (y0 + a) * g.width + x0
                            var sum = UnsafeRawPointer(line).loadUnaligned(as: SIMD8<Float>.self)
                            sum += SIMD8(even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3])
                            UnsafeMutableRawPointer(line).storeBytes(of: sum, as: SIMD8<Float>.self)
                            line[8] += c2[3]
                            line[9] += c3[3]
                        }
                        tx += 4
                        continue
                    }
                    let at = row0 + tx
                    for i in 0..<4 {
                        let v0 = at[(4 * i) * plane], v1 = at[(4 * i + 1) * plane]
                        let v2 = at[(4 * i + 2) * plane], v3 = at[(4 * i + 3) * plane]
                        t[4 * i] = v0; t[4 * i + 1] = v1 - v2 + v3; t[4 * i + 2] = -v0 + v1 + v2; t[4 * i + 3] = -v3
                    }
                    for j in 0..<4 {
                        let a0 = t[j], a1 = t[4 + j], a2 = t[8 + j], a3 = t[12 + j]
                        t[j] = a0; t[4 + j] = a1 - a2 + a3; t[8 + j] = -a0 + a1 + a2; t[12 + j] = -a3
                    }
                    for i in 0..<4 {
                        let y = y0 + i
                        guard y >= 0 && y < g.height else { continue }
                        for j in 0..<4 {
                            let x = x0 + j
                            if x >= 0 && x < g.width { image[y * g.width + x] += t[4 * i + j] }
                        }
                    }
                    tx += 1
                }
            }
        }
    }
}

/// Y[o] = Aᵀ M A for every tile, written into one image's output [O, oh, ow] (plus bias).
func winogradOutput(_ m: UnsafePointer<Float>, _ g: WinogradGeometry, bias: UnsafePointer<Float>?,
                    into output: UnsafeMutablePointer<Float>) {
    let plane = g.outChannels * g.tiles
    let src = SharedConstPointer(m), dst = SharedPointer(output)
    let biasPointer = bias.map(SharedConstPointer.init)
    parallelFor(g.outChannels, work: 16 * plane) { o in
        let out = dst.base + o * g.outHeight * g.outWidth
        let b = biasPointer?.base[o] ?? 0
        for ty in 0..<g.tilesHigh {
            for tx in 0..<g.tilesWide {
                let at = src.base + o * g.tiles + ty * g.tilesWide + tx
                var z = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))  // Aᵀ M: 2 × 4
                for j in 0..<4 {
                    let m0 = at[j * plane], m1 = at[(4 + j) * plane], m2 = at[(8 + j) * plane], m3 = at[(12 + j) * plane]
                    let top = m0 + m1 + m2, bottom = m1 - m2 - m3
                    switch j {
                    case 0: z.0 = top; z.4 = bottom
                    case 1: z.1 = top; z.5 = bottom
                    case 2: z.2 = top; z.6 = bottom
                    default: z.3 = top; z.7 = bottom
                    }
                }
                let y = 2 * ty, x = 2 * tx
                let y00 = z.0 + z.1 + z.2 + b, y01 = z.1 - z.2 - z.3 + b
                let y10 = z.4 + z.5 + z.6 + b, y11 = z.5 - z.6 - z.7 + b
                let rowRoom = y + 1 < g.outHeight, colRoom = x + 1 < g.outWidth
                out[y * g.outWidth + x] = y00
                if colRoom { out[y * g.outWidth + x + 1] = y01 }
                if rowRoom {
                    out[(y + 1) * g.outWidth + x] = y10
                    if colRoom { out[(y + 1) * g.outWidth + x + 1] = y11 }
                }
            }
        }
    }
}

/// dM[ξ][o][t] = (A dY Aᵀ)[ξ], the adjoint of `winogradOutput` (outputs past the edge count as 0).
/// Tiles whose 2×2 outputs are all inside go four at a time in SIMD lanes.
func winogradOutputAdjoint(_ dy: UnsafePointer<Float>, _ g: WinogradGeometry, into dm: UnsafeMutablePointer<Float>) {
    let plane = g.outChannels * g.tiles
    let src = SharedConstPointer(dy), dst = SharedPointer(dm)
    let fullRows = g.outHeight / 2, fullColumns = g.outWidth / 2  // tiles with both rows / both columns inside
    parallelFor(g.outChannels, work: 16 * plane) { o in
        let grad = src.base + o * g.outHeight * g.outWidth
        for ty in 0..<g.tilesHigh {
            let y = 2 * ty
            let rowRoom = y + 1 < g.outHeight
            let at = dst.base + o * g.tiles + ty * g.tilesWide
            var tx = 0
            // A dY is 4 rows × 2 columns (a, b); each row then expands to (a, a + b, a - b, -b).
            if ty < fullRows {
                while tx + 4 <= fullColumns {
                    let top = UnsafeRawPointer(grad + y * g.outWidth + 2 * tx).loadUnaligned(as: SIMD8<Float>.self)
                    let bottom = UnsafeRawPointer(grad + (y + 1) * g.outWidth + 2 * tx).loadUnaligned(as: SIMD8<Float>.self)
                    let d00 = top.evenHalf, d01 = top.oddHalf, d10 = bottom.evenHalf, d11 = bottom.oddHalf
                    let out = at + tx
                    @inline(__always) func put(_ j: Int, _ a: SIMD4<Float>, _ b: SIMD4<Float>) {
                        UnsafeMutableRawPointer(out + (4 * j) * plane).storeBytes(of: a, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(out + (4 * j + 1) * plane).storeBytes(of: a + b, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(out + (4 * j + 2) * plane).storeBytes(of: a - b, as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(out + (4 * j + 3) * plane).storeBytes(of: -b, as: SIMD4<Float>.self)
                    }
                    put(0, d00, d01)
                    put(1, d00 + d10, d01 + d11)
                    put(2, d00 - d10, d01 - d11)
                    put(3, -d10, -d11)
                    tx += 4
                }
            }
            while tx < g.tilesWide {
                let x = 2 * tx
                let colRoom = x + 1 < g.outWidth
                let d00 = grad[y * g.outWidth + x]
                let d01: Float = colRoom ? grad[y * g.outWidth + x + 1] : 0
                let d10: Float = rowRoom ? grad[(y + 1) * g.outWidth + x] : 0
                let d11: Float = rowRoom && colRoom ? grad[(y + 1) * g.outWidth + x + 1] : 0
                let out = at + tx
                @inline(__always) func put(_ j: Int, _ a: Float, _ b: Float) {
                    out[(4 * j) * plane] = a
                    out[(4 * j + 1) * plane] = a + b
                    out[(4 * j + 2) * plane] = a - b
                    out[(4 * j + 3) * plane] = -b
                }
                put(0, d00, d01)
                put(1, d00 + d10, d01 + d11)
                put(2, d00 - d10, d01 - d11)
                put(3, -d10, -d11)
                tx += 1
            }
        }
    }
}

/// Forward and backward of a stride-1 3×3 convolution through Winograd F(2×2, 3×3), for
/// `conv2d` (same contract: input [N, C, H, W], weight [O, C, 3, 3], optional bias [O]).
/// Guards every `Variable.winogradWeightsCache`.
private let winogradCacheLock = NSLock()

func winogradConv2d(_ input: Variable, weight: Variable, bias: Variable?, padding: Int) -> Variable {
    let (n, c, h, w) = input.value.nchw("conv2d input")
    let o = weight.shape[0]
    let g = WinogradGeometry(channels: c, height: h, width: w, outChannels: o, padding: padding)
    let x = input.value, wv = weight.value, bv = bias?.value
    // U depends on the weight only: reuse it while the weight is unchanged (a generator applied
    // three times per CycleGAN step, or every image of an inference batch).
    // Several threads may run one inference network at once, so the cache is read and written
    // under a lock (held only for the swap, never while transforming).
    let version = weight.version
    let u: [Float]
    if let cached = winogradCacheLock.withLock({ weight.winogradWeightsCache }), cached.version == version {
        u = cached.values
    } else {
        u = wv.scalars.withUnsafeBufferPointer { winogradWeights($0.baseAddress!, outChannels: o, channels: c) }
        winogradCacheLock.withLock { weight.winogradWeightsCache = (version, u) }
    }
    let outPlane = g.outHeight * g.outWidth
    let bfloat16 = InferencePrecision.productsInBFloat16
    // Every element of these is written before it is read.
    var out = [Float](unsafeUninitializedCapacity: n * o * outPlane) { _, count in count = n * o * outPlane }
    // When the weight gradient will be needed, every image's V is kept for the backward pass
    // (16·C·T floats per image) instead of being transformed again there.
    let keepsInput = GradientMode.isEnabled && weight.requiresGrad
    let vSize = 16 * c * g.tiles
    var v = [Float](unsafeUninitializedCapacity: (keepsInput ? n : 1) * vSize) { _, count in count = (keepsInput ? n : 1) * vSize }
    var m = [Float](unsafeUninitializedCapacity: 16 * o * g.tiles) { _, count in count = 16 * o * g.tiles }
    x.scalars.withUnsafeBufferPointer { xp in
        for b in 0..<n {
            let vOffset = keepsInput ? b * vSize : 0
            v.withUnsafeMutableBufferPointer { winogradInput(xp.baseAddress! + b * c * h * w, g, into: $0.baseAddress! + vOffset) }
            u.withUnsafeBufferPointer { up in
                v.withUnsafeBufferPointer { vp in
                    m.withUnsafeMutableBufferPointer { mp in
                        batchedGemm(count: 16, transposeA: false, transposeB: false, m: o, n: g.tiles, k: c,
                                    a: up.baseAddress!, strideA: o * c, b: vp.baseAddress! + vOffset, strideB: c * g.tiles,
                                    beta: 0, c: mp.baseAddress!, strideC: o * g.tiles, bfloat16: bfloat16)
                    }
                }
            }
            m.withUnsafeBufferPointer { mp in
                out.withUnsafeMutableBufferPointer { op in
                    if let bv {
                        bv.scalars.withUnsafeBufferPointer { winogradOutput(mp.baseAddress!, g, bias: $0.baseAddress!, into: op.baseAddress! + b * o * outPlane) }
                    } else {
                        winogradOutput(mp.baseAddress!, g, bias: nil, into: op.baseAddress! + b * o * outPlane)
                    }
                }
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    let needInput = input.requiresGrad, needWeight = weight.requiresGrad
    let keptInput = keepsInput ? v : []
    return Variable(Tensor(shape: [n, o, g.outHeight, g.outWidth], scalars: out), op: "conv2d", parents: parents) { grad in
        var dInput = [Float](repeating: 0, count: needInput ? x.count : 0)
        var du = [Float](repeating: 0, count: needWeight ? 16 * o * c : 0)
        // Fully written before being read: the output adjoint, V, and the beta-0 products.
        var dm = [Float](unsafeUninitializedCapacity: 16 * o * g.tiles) { _, count in count = 16 * o * g.tiles }
        var v = keptInput.isEmpty && needWeight ? [Float](unsafeUninitializedCapacity: vSize) { _, count in count = vSize } : keptInput
        var dv = [Float](unsafeUninitializedCapacity: needInput ? vSize : 0) { _, count in count = needInput ? vSize : 0 }
        x.scalars.withUnsafeBufferPointer { xp in
            grad.scalars.withUnsafeBufferPointer { gp in
                for b in 0..<n {
                    dm.withUnsafeMutableBufferPointer { winogradOutputAdjoint(gp.baseAddress! + b * o * outPlane, g, into: $0.baseAddress!) }
                    if needInput {
                        u.withUnsafeBufferPointer { up in
                            dm.withUnsafeBufferPointer { dmp in
                                dv.withUnsafeMutableBufferPointer { dvp in
                                    batchedGemm(count: 16, transposeA: true, transposeB: false, m: c, n: g.tiles, k: o,
                                                a: up.baseAddress!, strideA: o * c, b: dmp.baseAddress!, strideB: o * g.tiles,
                                                beta: 0, c: dvp.baseAddress!, strideC: c * g.tiles)
                                }
                            }
                        }
                        dv.withUnsafeBufferPointer { dvp in
                            dInput.withUnsafeMutableBufferPointer { winogradInputAdjoint(dvp.baseAddress!, g, into: $0.baseAddress! + b * c * h * w) }
                        }
                    }
                    if needWeight {
                        let vOffset = keptInput.isEmpty ? 0 : b * vSize
                        if keptInput.isEmpty {
                            v.withUnsafeMutableBufferPointer { winogradInput(xp.baseAddress! + b * c * h * w, g, into: $0.baseAddress!) }
                        }
                        dm.withUnsafeBufferPointer { dmp in
                            v.withUnsafeBufferPointer { vp in
                                du.withUnsafeMutableBufferPointer { dup in
                                    batchedGemm(count: 16, transposeA: false, transposeB: true, m: o, n: c, k: g.tiles,
                                                a: dmp.baseAddress!, strideA: o * g.tiles, b: vp.baseAddress! + vOffset, strideB: c * g.tiles,
                                                beta: 1, c: dup.baseAddress!, strideC: o * c)
                                }
                            }
                        }
                    }
                }
            }
        }
        var dWeight = [Float](repeating: 0, count: needWeight ? wv.count : 0)
        if needWeight {
            du.withUnsafeBufferPointer { dup in
                dWeight.withUnsafeMutableBufferPointer { winogradWeightsAdjoint(dup.baseAddress!, outChannels: o, channels: c, into: $0.baseAddress!) }
            }
        }
        return [needInput ? Tensor(shape: x.shape, scalars: dInput) : nil,
                needWeight ? Tensor(shape: wv.shape, scalars: dWeight) : nil,
                bv == nil ? nil : sumOverBatchAndSpace(grad)]
    }
}
