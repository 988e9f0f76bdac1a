import CKernels

// The tile transforms of Winograd F(m×m, 3×3) (math and layouts: Winograd.swift), shared by both
// variants: each variant is its six 1-D maps (Bᵀ, B, G, Gᵀ, Aᵀ, A), and every 2-D transform is
// F X Fᵀ, the 1-D map applied to each column of a tile and then to each row. Eight tiles of a tile
// row (or eight channels of a weight) go through a transform at once, one per SIMD lane.

/// Eight tiles side by side, one per lane.
typealias TileLanes = SIMD8<Float>

/// One column or row of a tile being transformed: lane vectors `stride` apart.
struct TileLine {
    let base: UnsafeMutablePointer<TileLanes>, stride: Int
    @inline(__always) init(_ base: UnsafeMutablePointer<TileLanes>, _ stride: Int) { self.base = base; self.stride = stride }
    @inline(__always) subscript(i: Int) -> TileLanes {
        get { base[i &* stride] }
        nonmutating set { base[i &* stride] = newValue }
    }
}

/// One Winograd F(m×m, 3×3) variant: m, and its 1-D maps y = F x for F = Bᵀ, B (α → α),
/// G (3 → α), Gᵀ (α → 3), Aᵀ (α → m), A (m → α), where α = m + 2 is the input tile.
protocol WinogradVariant {
    static var outputTile: Int { get }
    static func bT(_ x: TileLine, _ y: TileLine)
    static func b(_ x: TileLine, _ y: TileLine)
    static func g(_ x: TileLine, _ y: TileLine)
    static func gT(_ x: TileLine, _ y: TileLine)
    static func aT(_ x: TileLine, _ y: TileLine)
    static func a(_ x: TileLine, _ y: TileLine)
}

/// Which of a variant's 1-D maps to apply.
enum TileMap { case bT, b, g, gT, aT, a }

extension WinogradVariant {
    static var inputTile: Int { outputTile + 2 }

    /// y = F x for the map F named by `f` (a direct call: passing `W.bT` as a closure left an
    /// indirect call per column and row in the transform loops).
    @inline(__always) static func apply(_ f: TileMap, _ x: TileLine, _ y: TileLine) {
        switch f {
        case .bT: bT(x, y)
        case .b: b(x, y)
        case .g: g(x, y)
        case .gT: gT(x, y)
        case .aT: aT(x, y)
        case .a: a(x, y)
        }
    }
}

/// F(2×2, 3×3), points 0, ±1, ∞:
/// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
enum Winograd2x2: WinogradVariant {
    static var outputTile: Int { 2 }
    @inline(__always) static func bT(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3]
        y[0] = x0 - x2; y[1] = x1 + x2; y[2] = x2 - x1; y[3] = x1 - x3
    }
    @inline(__always) static func b(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3]
        y[0] = x0; y[1] = x1 - x2 + x3; y[2] = x1 + x2 - x0; y[3] = -x3
    }
    @inline(__always) static func g(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], e = x0 + x2
        y[0] = x0; y[1] = 0.5 * (e + x1); y[2] = 0.5 * (e - x1); y[3] = x2
    }
    @inline(__always) static func gT(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], s = 0.5 * (x1 + x2)
        y[0] = x0 + s; y[1] = 0.5 * (x1 - x2); y[2] = s + x3
    }
    @inline(__always) static func aT(_ x: TileLine, _ y: TileLine) {
        let x1 = x[1], x2 = x[2]
        y[0] = x[0] + x1 + x2; y[1] = x1 - x2 - x[3]
    }
    @inline(__always) static func a(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1]
        y[0] = x0; y[1] = x0 + x1; y[2] = x0 - x1; y[3] = -x1
    }
}

/// F(4×4, 3×3), points 0, ±1, ±2, ∞ (Lavin & Gray 2016):
/// Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1],
/// G = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1/24 1/12 ⅙; 1/24 -1/12 ⅙; 0 0 1],
/// Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
enum Winograd4x4: WinogradVariant {
    static var outputTile: Int { 4 }
    @inline(__always) static func bT(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5]
        let p = x4 - 4 * x2, q = x3 - 4 * x1, r = x4 - x2, s = 2 * (x3 - x1)
        y[0] = 4 * x0 - 5 * x2 + x4
        y[1] = p + q; y[2] = p - q
        y[3] = r + s; y[4] = r - s
        y[5] = 4 * x1 - 5 * x3 + x5
    }
    @inline(__always) static func b(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5]
        let d12 = x2 - x1, d34 = x4 - x3, s12 = x1 + x2, s34 = x3 + x4
        y[0] = 4 * x0
        y[1] = 4 * d12 + 2 * d34 + 4 * x5
        y[2] = s12 * -4 - 5 * x0 - s34
        y[3] = -(d12 + 2 * d34 + 5 * x5)
        y[4] = x0 + s12 + s34
        y[5] = x5
    }
    @inline(__always) static func g(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], e = x0 + x2
        let p = (1 / 24) * x0 + (1 / 6) * x2, q = (1 / 12) * x1
        y[0] = 0.25 * x0
        y[1] = (-1 / 6) * (e + x1); y[2] = (-1 / 6) * (e - x1)
        y[3] = p + q; y[4] = p - q
        y[5] = x2
    }
    @inline(__always) static func gT(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5]
        let s12 = x1 + x2, s34 = x3 + x4
        y[0] = 0.25 * x0 - (1 / 6) * s12 + (1 / 24) * s34
        y[1] = (1 / 6) * (x2 - x1) + (1 / 12) * (x3 - x4)
        y[2] = (1 / 6) * (s34 - s12) + x5
    }
    @inline(__always) static func aT(_ x: TileLine, _ y: TileLine) {
        let x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4]
        let s = x1 + x2, d = x1 - x2, s2 = x3 + x4, d2 = x3 - x4
        y[0] = x[0] + s + s2
        y[1] = d + 2 * d2
        y[2] = s + 4 * s2
        y[3] = d + 8 * d2 + x[5]
    }
    @inline(__always) static func a(_ x: TileLine, _ y: TileLine) {
        let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3]
        let e = x0 + x2, o = x1 + x3, e2 = x0 + 4 * x2, o2 = 2 * x1 + 8 * x3
        y[0] = x0
        y[1] = e + o; y[2] = e - o
        y[3] = e2 + o2; y[4] = e2 - o2
        y[5] = x3
    }
}

/// y = F x Fᵀ for an n×n tile x into a k×k tile y (row-major), where F is W's 1-D map `f` (n → k).
@inline(__always)
private func sandwich<W: WinogradVariant>(_: W.Type, _ f: TileMap, _ x: UnsafeMutablePointer<TileLanes>, _ n: Int,
                                          _ y: UnsafeMutablePointer<TileLanes>, _ k: Int, scratch s: UnsafeMutablePointer<TileLanes>) {
    for j in 0..<n { W.apply(f, TileLine(x + j, n), TileLine(s + j, n)) }  // s = F x: k × n
    for i in 0..<k { W.apply(f, TileLine(s + i * n, 1), TileLine(y + i * k, 1)) }
}

/// Three tiles of lane vectors (the transform's input, intermediate and output) for one worker.
@inline(__always)
private func withTileScratch(_ body: (UnsafeMutablePointer<TileLanes>, UnsafeMutablePointer<TileLanes>, UnsafeMutablePointer<TileLanes>) -> Void) {
    withUnsafeTemporaryAllocation(of: TileLanes.self, capacity: 3 * 36) { t in
        let x = t.baseAddress!
        body(x, x + 36, x + 72)
    }
}

/// Writes lane `l` of `x[i]` in place. (Assigning a lane of a `var` vector instead goes through a
/// reload of the whole vector per lane, which made the edge tiles dominate the transforms.)
@inline(__always)
private func setLane(_ x: UnsafeMutablePointer<TileLanes>, _ i: Int, _ l: Int, _ value: Float) {
    UnsafeMutableRawPointer(x + i).storeBytes(of: value, toByteOffset: l * MemoryLayout<Float>.stride, as: Float.self)
}

/// Lane `l` of `x[i]`.
@inline(__always)
private func lane(_ x: UnsafeMutablePointer<TileLanes>, _ i: Int, _ l: Int) -> Float {
    UnsafeRawPointer(x + i).load(fromByteOffset: l * MemoryLayout<Float>.stride, as: Float.self)
}

/// x[i] = p[0 ..< count], zero in the other lanes.
@inline(__always)
private func loadLanes(_ p: UnsafePointer<Float>, _ count: Int, into x: UnsafeMutablePointer<TileLanes>, _ i: Int) {
    if count == TileLanes.scalarCount { x[i] = UnsafeRawPointer(p).loadUnaligned(as: TileLanes.self); return }
    x[i] = TileLanes()
    for l in 0..<count { setLane(x, i, l, p[l]) }
}

/// p[0 ..< count] = the first `count` lanes of x[i].
@inline(__always)
private func storeLanes(_ x: UnsafeMutablePointer<TileLanes>, _ i: Int, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == TileLanes.scalarCount { UnsafeMutableRawPointer(p).storeBytes(of: x[i], as: TileLanes.self); return }
    for l in 0..<count { p[l] = lane(x, i, l) }
}

/// Runs `body(ty, tx, lanes)` for each run of up to eight consecutive tiles (tx ..< tx + lanes) of each tile row in `rows`.
@inline(__always)
private func forEachTileGroup(_ g: WinogradGeometry, _ rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
    for ty in rows {
        for tx in stride(from: 0, to: g.tilesWide, by: TileLanes.scalarCount) {
            body(ty, tx, min(TileLanes.scalarCount, g.tilesWide - tx))
        }
    }
}

/// x[i·size + j][l] = plane[y0 + i][x0 + step·l + j] for `lanes` tiles, zero outside the h×w plane
/// (zero padding, partial tiles) and in unused lanes.
@inline(__always)
private func gatherTiles(_ plane: UnsafePointer<Float>, height h: Int, width w: Int, y0: Int, x0: Int, step: Int,
                         size: Int, lanes: Int, into x: UnsafeMutablePointer<TileLanes>) {
    if lanes == TileLanes.scalarCount && y0 >= 0 && y0 + size <= h && x0 >= 0 && x0 + step * (lanes - 1) + size <= w {
        // Columns j, j + step, ... of a row: whole-vector loads split by even and odd lanes
        // (an element-by-element gather measured 15% slower on the network's forward).
        for i in 0..<size {
            let row = UnsafeRawPointer(plane + (y0 + i) * w + x0), t = x + i * size
            if step == 2 {
                let v = row.loadUnaligned(as: SIMD16<Float>.self)  // columns 0 ..< 16
                t[0] = v.evenHalf; t[1] = v.oddHalf
                if size == 4 {
                    let u = row.loadUnaligned(fromByteOffset: 8, as: SIMD16<Float>.self)  // columns 2 ..< 18
                    t[2] = u.evenHalf; t[3] = u.oddHalf
                }
            } else {
                let v = row.loadUnaligned(as: SIMD32<Float>.self), ve = v.evenHalf, vo = v.oddHalf  // columns 0 ..< 32
                t[0] = ve.evenHalf; t[1] = vo.evenHalf; t[2] = ve.oddHalf; t[3] = vo.oddHalf
                if size == 6 {
                    let u = row.loadUnaligned(fromByteOffset: 8, as: SIMD32<Float>.self)  // columns 2 ..< 34
                    t[4] = u.evenHalf.oddHalf; t[5] = u.oddHalf.oddHalf
                }
            }
        }
        return
    }
    for i in 0..<size * size { x[i] = TileLanes() }
    for i in 0..<size where y0 + i >= 0 && y0 + i < h {
        let row = plane + (y0 + i) * w
        for l in 0..<lanes {
            for j in 0..<size where x0 + step * l + j >= 0 && x0 + step * l + j < w { setLane(x, i * size + j, l, row[x0 + step * l + j]) }
        }
    }
}

/// The reverse of `gatherTiles`: plane[y0 + i][x0 + step·l + j] = (or += when `accumulate`) x[i·size + j][l] + bias,
/// for the positions inside the plane; lanes one after another, so overlapping tiles add up.
@inline(__always)
private func scatterTiles(_ x: UnsafeMutablePointer<TileLanes>, size: Int, lanes: Int, into plane: UnsafeMutablePointer<Float>,
                          height h: Int, width w: Int, y0: Int, x0: Int, step: Int, bias: Float = 0, accumulate: Bool) {
    let inside = y0 >= 0 && y0 + size <= h && x0 >= 0 && x0 + step * (lanes - 1) + size <= w
    if inside && !accumulate && lanes == TileLanes.scalarCount && step == size {
        // Output tiles side by side: each row of the group is 8·m contiguous floats, lanes interleaved.
        for i in 0..<size {
            let row = UnsafeMutableRawPointer(plane + (y0 + i) * w + x0), t = x + i * size
            if size == 2 {
                let a = t[0], b = t[1]
                row.storeBytes(of: SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3],
                                          a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7]) + bias, as: SIMD16<Float>.self)
            } else {
                let a = t[0], b = t[1], c = t[2], d = t[3]
                for half in 0..<2 {
                    let k = 4 * half
                    let v = SIMD16(a[k], b[k], c[k], d[k], a[k + 1], b[k + 1], c[k + 1], d[k + 1],
                                   a[k + 2], b[k + 2], c[k + 2], d[k + 2], a[k + 3], b[k + 3], c[k + 3], d[k + 3])
                    row.storeBytes(of: v + bias, toByteOffset: 64 * half, as: SIMD16<Float>.self)
                }
            }
        }
        return
    }
    for l in 0..<lanes {
        for i in 0..<size where inside || (y0 + i >= 0 && y0 + i < h) {
            let row = plane + (y0 + i) * w + x0 + step * l
            for j in 0..<size where inside || (x0 + step * l + j >= 0 && x0 + step * l + j < w) {
                if accumulate { row[j] += lane(x, i * size + j, l) } else { row[j] = lane(x, i * size + j, l) + bias }
            }
        }
    }
}

/// U[ξ][o][c] = (G g[o,c] Gᵀ)[ξ] for a weight [O, C, 3, 3].
func winogradWeights<W: WinogradVariant>(_: W.Type, _ weight: UnsafePointer<Float>, outChannels: Int, channels: Int) -> [Float] {
    let a = W.inputTile, plane = outChannels * channels
    var u = [Float](unsafeUninitializedCapacity: a * a * plane) { _, count in count = a * a * plane }
    u.withUnsafeMutableBufferPointer { up in
        let dst = SharedPointer(up.baseAddress!), src = SharedConstPointer(weight)
        if WinogradKernels.runsC && W.outputTile == 4 {
            parallelFor(outChannels, work: a * a * plane) { o in
                _ = gk_winograd_weights(Int32(W.outputTile), src.base, o, channels, dst.base, plane)
            }
            return
        }
        parallelFor(outChannels, work: a * a * plane) { o in
            withTileScratch { x, s, y in
                for c in stride(from: 0, to: channels, by: TileLanes.scalarCount) {
                    let lanes = min(TileLanes.scalarCount, channels - c), g = src.base + (o * channels + c) * 9
                    for k in 0..<9 {
                        x[k] = TileLanes()
                        for l in 0..<lanes { setLane(x, k, l, g[9 * l + k]) }
                    }
                    sandwich(W.self, .g, x, 3, y, a, scratch: s)
                    for xi in 0..<a * a { storeLanes(y, xi, dst.base + xi * plane + o * channels + c, lanes) }
                }
            }
        }
    }
    return u
}

/// dg[o,c] += Gᵀ dU[o,c] G, the adjoint of `winogradWeights`.
func winogradWeightsAdjoint<W: WinogradVariant>(_: W.Type, _ du: UnsafePointer<Float>, outChannels: Int, channels: Int,
                                                into dWeight: UnsafeMutablePointer<Float>) {
    let a = W.inputTile, plane = outChannels * channels
    let src = SharedConstPointer(du), dst = SharedPointer(dWeight)
    if WinogradKernels.runsC && W.outputTile == 4 {
        parallelFor(outChannels, work: a * a * plane) { o in
            _ = gk_winograd_weights_adjoint(Int32(W.outputTile), src.base, plane, o, channels, dst.base)
        }
        return
    }
    parallelFor(outChannels, work: a * a * plane) { o in
        withTileScratch { x, s, y in
            for c in stride(from: 0, to: channels, by: TileLanes.scalarCount) {
                let lanes = min(TileLanes.scalarCount, channels - c), g = dst.base + (o * channels + c) * 9
                for xi in 0..<a * a { loadLanes(src.base + xi * plane + o * channels + c, lanes, into: x, xi) }
                sandwich(W.self, .gT, x, a, y, 3, scratch: s)
                for k in 0..<9 { for l in 0..<lanes { g[9 * l + k] += lane(y, k, l) } }
            }
        }
    }
}

/// Whether the transforms run as C kernels (CKernels/winograd.c, AVX-512) where the CPU has them: the input and
/// output transforms of both tiles, and their adjoints for F(4×4); the Swift code here is the other CPUs' path (and
/// F(2×2)'s backward) and the tests' reference (they bind `useC` to false).
enum WinogradKernels {
    @TaskLocal static var useC = true
    static let supported = gk_winograd_kernels_supported() != 0
    /// Whether the transforms go to the C kernels now (where one exists).
    static var runsC: Bool { useC && supported }

    /// Whether the gathering transforms (input, output, output adjoint) go to C for this geometry: the C kernels
    /// take sixteen tiles of a row per vector, so rows that leave many lanes empty stay on the Swift ones (eight
    /// tiles per vector); F(4×4) on planes at most 8 tiles wide (the 128 px training network's residual blocks,
    /// 32x32) takes two tile rows per vector in C instead (with one, the C kernels took about 1.7x the Swift
    /// ones' share of the profile). (The input adjoint, whose Swift code adds element by element, is faster in C
    /// at any width.)
    static func fillsLanes(_ g: WinogradGeometry) -> Bool {
        let groups = (g.tilesWide + 15) / 16
        return runsC && ((g.outputTile == 4 && g.tilesWide <= 8) || Float(g.tilesWide) >= minimumLaneFill * Float(16 * groups))
    }
    /// The share of lanes a tile row must fill for `fillsLanes` (tests bind 0 to run the C kernels on every size).
    @TaskLocal static var minimumLaneFill: Float = 0.75
}

/// V[ξ][c][t] = (Bᵀ d B)[ξ] for every α×α tile d (step m) in tile rows `rows` of one image [C, H, W], the border
/// filled as `g.paddingMode` says (t counts the band's tiles).
/// `tileStride` spaces the channels' rows of tiles in V (default: the band's tiles), so that several images' tiles
/// can sit side by side; `serial` keeps the work on the calling thread (inside a parallel region over images).
func winogradInput<W: WinogradVariant>(_: W.Type, _ image: UnsafePointer<Float>, _ g: WinogradGeometry, rows: Range<Int>,
                                       into v: UnsafeMutablePointer<Float>, tileStride: Int? = nil, serial: Bool = false) {
    let a = W.inputTile, tiles = tileStride ?? rows.count * g.tilesWide, positionStride = g.channels * tiles
    let src = SharedConstPointer(image), dst = SharedPointer(v)
    parallelFor(g.channels, work: serial ? 0 : a * a * positionStride) { c in
        let plane = src.base + c * g.height * g.width, out = dst.base + c * tiles
        guard g.paddingMode != .zero && g.padding > 0 else {
            winogradInputPlane(W.self, plane, g, rows: rows, into: out, positionStride: positionStride)
            return
        }
        let strip = PaddedStrip(g, rows: rows)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: strip.count) { buffer in
            strip.fill(buffer.baseAddress!, from: plane)
            winogradInputPlane(W.self, buffer.baseAddress!, strip.geometry, rows: 0..<rows.count, into: out,
                               positionStride: positionStride)
        }
    }
}

/// `winogradInput` for one channel's plane (zero padding).
private func winogradInputPlane<W: WinogradVariant>(_: W.Type, _ input: UnsafePointer<Float>, _ g: WinogradGeometry,
                                                    rows: Range<Int>, into out: UnsafeMutablePointer<Float>,
                                                    positionStride: Int) {
    let a = W.inputTile, m = W.outputTile
    if WinogradKernels.fillsLanes(g) {
        _ = gk_winograd_input(Int32(m), input, g.height, g.width, g.padding, g.tilesWide, rows.lowerBound, rows.upperBound,
                              out, positionStride)
        return
    }
    withTileScratch { x, s, y in
        forEachTileGroup(g, rows) { ty, tx, lanes in
            gatherTiles(input, height: g.height, width: g.width, y0: m * ty - g.padding, x0: m * tx - g.padding,
                        step: m, size: a, lanes: lanes, into: x)
            sandwich(W.self, .bT, x, a, y, a, scratch: s)
            let at = out + (ty - rows.lowerBound) * g.tilesWide + tx
            for xi in 0..<a * a { storeLanes(y, xi, at + xi * positionStride, lanes) }
        }
    }
}

/// dImage += B dV Bᵀ for every tile in tile rows `rows`, the adjoint of `winogradInput` (tiles overlap; parallel over
/// channels); gradients reaching a reflected or replicated border go to the pixels it copies. `tileStride` and
/// `serial` as for `winogradInput`.
func winogradInputAdjoint<W: WinogradVariant>(_: W.Type, _ dv: UnsafePointer<Float>, _ g: WinogradGeometry, rows: Range<Int>,
                                              into dImage: UnsafeMutablePointer<Float>, tileStride: Int? = nil,
                                              serial: Bool = false) {
    let a = W.inputTile, tiles = tileStride ?? rows.count * g.tilesWide, positionStride = g.channels * tiles
    let src = SharedConstPointer(dv), dst = SharedPointer(dImage)
    parallelFor(g.channels, work: serial ? 0 : a * a * positionStride) { c in
        let plane = dst.base + c * g.height * g.width, at = src.base + c * tiles
        guard g.paddingMode != .zero && g.padding > 0 else {
            winogradInputAdjointPlane(W.self, at, g, rows: rows, into: plane, positionStride: positionStride)
            return
        }
        let strip = PaddedStrip(g, rows: rows)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: strip.count) { buffer in
            buffer.initialize(repeating: 0)
            winogradInputAdjointPlane(W.self, at, strip.geometry, rows: 0..<rows.count, into: buffer.baseAddress!,
                                      positionStride: positionStride)
            strip.addBorder(buffer.baseAddress!, into: plane)
        }
    }
}

/// `winogradInputAdjoint` for one channel's plane (zero padding).
private func winogradInputAdjointPlane<W: WinogradVariant>(_: W.Type, _ dv: UnsafePointer<Float>, _ g: WinogradGeometry,
                                                           rows: Range<Int>, into image: UnsafeMutablePointer<Float>,
                                                           positionStride: Int) {
    let a = W.inputTile, m = W.outputTile
    if WinogradKernels.runsC && m == 4 {
        _ = gk_winograd_input_adjoint(Int32(m), dv, positionStride, g.height, g.width, g.padding, g.tilesWide,
                                      rows.lowerBound, rows.upperBound, image)
        return
    }
    withTileScratch { x, s, y in
        forEachTileGroup(g, rows) { ty, tx, lanes in
            let at = dv + (ty - rows.lowerBound) * g.tilesWide + tx
            for xi in 0..<a * a { loadLanes(at + xi * positionStride, lanes, into: x, xi) }
            sandwich(W.self, .b, x, a, y, a, scratch: s)
            scatterTiles(y, size: a, lanes: lanes, into: image, height: g.height, width: g.width,
                         y0: m * ty - g.padding, x0: m * tx - g.padding, step: m, accumulate: true)
        }
    }
}

/// dst[i] += src[i] for i < count, eight lanes at a time.
@inline(__always)
private func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    let d = UnsafeMutableRawPointer(dst), s = UnsafeRawPointer(src)
    var i = 0
    while i + 8 <= count {
        let sum = d.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + s.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        d.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { dst[i] += src[i]; i += 1 }
}

/// The rows of one band's tiles cut from a plane padded by reflection or replication: a strip `g.width + 2p` wide
/// that the transforms read as an unpadded plane whose tile row 0 is the band's first.
private struct PaddedStrip {
    let source: WinogradGeometry
    /// The strip as a plane (padding 0; past its last row, zeros: outputs there are dropped).
    let geometry: WinogradGeometry
    /// The strip's first row in padded coordinates.
    let firstRow: Int
    var count: Int { geometry.height * geometry.width }

    init(_ g: WinogradGeometry, rows: Range<Int>) {
        source = g
        firstRow = g.outputTile * rows.lowerBound
        let height = min(g.outputTile * rows.count + 2, g.height + 2 * g.padding - firstRow)
        geometry = WinogradGeometry(channels: g.channels, height: height, width: g.width + 2 * g.padding,
                                    outChannels: g.outChannels, padding: 0, outputTile: g.outputTile)
    }

    /// The plane row and column that strip row `r` and column `x` copy.
    private func sourceRow(_ r: Int) -> Int {
        paddingSource(firstRow + r - source.padding, size: source.height, mode: source.paddingMode)
    }
    private func sourceColumn(_ x: Int) -> Int { paddingSource(x - source.padding, size: source.width, mode: source.paddingMode) }

    /// strip[r][x] = plane[sourceRow(r)][sourceColumn(x)].
    func fill(_ strip: UnsafeMutablePointer<Float>, from plane: UnsafePointer<Float>) {
        copyPaddedRows(plane, height: source.height, width: source.width, padding: source.padding, mode: source.paddingMode,
                       firstRow: firstRow, rows: geometry.height, into: strip)
    }

    /// plane[sourceRow(r)][sourceColumn(x)] += strip[r][x]: the adjoint of `fill`.
    func addBorder(_ strip: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        let p = source.padding, w = source.width, stripWidth = geometry.width
        for r in 0..<geometry.height {
            let line = plane + sourceRow(r) * w, gradient = strip + r * stripWidth
            for x in 0..<p { line[sourceColumn(x)] += gradient[x] }
            addInPlace(line, gradient + p, count: w)
            for x in (p + w)..<stripWidth { line[sourceColumn(x)] += gradient[x] }
        }
    }
}

/// Y[o] = Aᵀ M A (+ bias) for every tile in tile rows `rows`, written into one image's output [O, oh, ow].
/// `tileStride` and `serial` as for `winogradInput`.
func winogradOutput<W: WinogradVariant>(_: W.Type, _ mm: UnsafePointer<Float>, _ g: WinogradGeometry, rows: Range<Int>,
                                        bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
                                        tileStride: Int? = nil, serial: Bool = false) {
    let a = W.inputTile, m = W.outputTile, tiles = tileStride ?? rows.count * g.tilesWide, plane = g.outChannels * tiles
    let work = serial ? 0 : a * a * plane
    let src = SharedConstPointer(mm), dst = SharedPointer(output)
    let biasPointer = bias.map(SharedConstPointer.init)
    if WinogradKernels.fillsLanes(g) {
        parallelFor(g.outChannels, work: work) { o in
            _ = gk_winograd_output(Int32(m), src.base + o * tiles, plane, g.tilesWide, rows.lowerBound, rows.upperBound,
                                      biasPointer?.base[o] ?? 0, dst.base + o * g.outHeight * g.outWidth, g.outHeight, g.outWidth)
        }
        return
    }
    parallelFor(g.outChannels, work: work) { o in
        let out = dst.base + o * g.outHeight * g.outWidth, b = biasPointer?.base[o] ?? 0
        withTileScratch { x, s, y in
            forEachTileGroup(g, rows) { ty, tx, lanes in
                let at = src.base + o * tiles + (ty - rows.lowerBound) * g.tilesWide + tx
                for xi in 0..<a * a { loadLanes(at + xi * plane, lanes, into: x, xi) }
                sandwich(W.self, .aT, x, a, y, m, scratch: s)
                scatterTiles(y, size: m, lanes: lanes, into: out, height: g.outHeight, width: g.outWidth,
                             y0: m * ty, x0: m * tx, step: m, bias: b, accumulate: false)
            }
        }
    }
}

/// dM[ξ][o][t] = (A dY Aᵀ)[ξ] for the tiles in tile rows `rows`, the adjoint of `winogradOutput` (outputs past the edge count as 0).
/// `tileStride` and `serial` as for `winogradInput`.
func winogradOutputAdjoint<W: WinogradVariant>(_: W.Type, _ dy: UnsafePointer<Float>, _ g: WinogradGeometry, rows: Range<Int>,
                                               into dm: UnsafeMutablePointer<Float>, tileStride: Int? = nil, serial: Bool = false) {
    let a = W.inputTile, m = W.outputTile, tiles = tileStride ?? rows.count * g.tilesWide, plane = g.outChannels * tiles
    let work = serial ? 0 : a * a * plane
    let src = SharedConstPointer(dy), dst = SharedPointer(dm)
    if WinogradKernels.fillsLanes(g) && m == 4 {
        parallelFor(g.outChannels, work: work) { o in
            _ = gk_winograd_output_adjoint(Int32(m), src.base + o * g.outHeight * g.outWidth, g.outHeight, g.outWidth,
                                           g.tilesWide, rows.lowerBound, rows.upperBound, dst.base + o * tiles, plane)
        }
        return
    }
    parallelFor(g.outChannels, work: work) { o in
        let grad = src.base + o * g.outHeight * g.outWidth
        withTileScratch { x, s, y in
            forEachTileGroup(g, rows) { ty, tx, lanes in
                gatherTiles(grad, height: g.outHeight, width: g.outWidth, y0: m * ty, x0: m * tx, step: m,
                            size: m, lanes: lanes, into: x)
                sandwich(W.self, .a, x, m, y, a, scratch: s)
                let out = dst.base + o * tiles + (ty - rows.lowerBound) * g.tilesWide + tx
                for xi in 0..<a * a { storeLanes(y, xi, out + xi * plane, lanes) }
            }
        }
    }
}
