// Vectorised reductions over one contiguous plane: eight float lanes accumulate independently
// (so the compiler can keep them in registers), and the lanes are combined in Double at the end.

/// Σ p[i] for i in 0..<count.
@inlinable
func vectorSum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
    var lanes = SIMD8<Float>(), i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= count {
        lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    var total = 0.0
    for l in 0..<8 { total += Double(lanes[l]) }
    while i < count { total += Double(p[i]); i += 1 }
    return total
}

/// Σ (p[i] - center)² for i in 0..<count.
@inlinable
func vectorSumOfSquaredDeviations(_ p: UnsafePointer<Float>, _ count: Int, center: Float) -> Double {
    var lanes = SIMD8<Float>(), i = 0
    let raw = UnsafeRawPointer(p), c = SIMD8<Float>(repeating: center)
    while i + 8 <= count {
        let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - c
        lanes += d * d
        i += 8
    }
    var total = 0.0
    for l in 0..<8 { total += Double(lanes[l]) }
    while i < count { let d = Double(p[i] - center); total += d * d; i += 1 }
    return total
}

/// (Σ g[i], Σ g[i]·(x[i] - center)) for i in 0..<count.
@inlinable
func vectorSumAndDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, center: Float) -> (Double, Double) {
    var sumLanes = SIMD8<Float>(), dotLanes = SIMD8<Float>(), i = 0
    let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x), c = SIMD8<Float>(repeating: center)
    while i + 8 <= count {
        let gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - c
        sumLanes += gv
        dotLanes += gv * xv
        i += 8
    }
    var s = 0.0, d = 0.0
    for l in 0..<8 { s += Double(sumLanes[l]); d += Double(dotLanes[l]) }
    while i < count { s += Double(g[i]); d += Double(g[i]) * Double(x[i] - center); i += 1 }
    return (s, d)
}
