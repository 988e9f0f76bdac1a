// Spatial upsampling by an integer factor (PyTorch Upsample / interpolate).
// nearest: out[y, x] = in[y / s, x / s].
// bilinear, align_corners=False: source coordinate u = max((y + 0.5)/s - 0.5, 0), i0 = ⌊u⌋,
//   i1 = min(i0 + 1, size - 1), λ = u - i0; out = Σ of the four neighbours weighted (1-λ_y or λ_y)(1-λ_x or λ_x).
// Backward scatters each output gradient to its source pixels with the same weights.

/// How `upsample` interpolates.
public enum UpsamplingMode: Sendable {
    /// Repeat each pixel.
    case nearest
    /// Bilinear interpolation with PyTorch's `align_corners=False`.
    case bilinear
}

/// One output coordinate's two source indices and weights.
private struct Taps: Sendable { let i0: Int, i1: Int, w0: Float, w1: Float }

private func taps(outSize: Int, inSize: Int, scale: Int, mode: UpsamplingMode) -> [Taps] {
    (0..<outSize).map { o in
        switch mode {
        case .nearest:
            return Taps(i0: min(o / scale, inSize - 1), i1: 0, w0: 1, w1: 0)
        case .bilinear:
            let u = max((Float(o) + 0.5) / Float(scale) - 0.5, 0)
            let i0 = min(Int(u), inSize - 1)
            let i1 = min(i0 + 1, inSize - 1)
            let lambda = u - Float(i0)
            return Taps(i0: i0, i1: i1, w0: 1 - lambda, w1: lambda)
        }
    }
}

/// Upsamples the spatial axes of an NCHW tensor by `scale` (2 in the GAN generators).
public func upsample(_ input: Variable, scale: Int = 2, mode: UpsamplingMode) -> Variable {
    let (n, c, h, w) = input.value.nchw("upsample")
    precondition(scale >= 1, "upsample: scale \(scale) must be at least 1")
    let oh = h * scale, ow = w * scale
    let rows = taps(outSize: oh, inSize: h, scale: scale, mode: mode)
    let cols = taps(outSize: ow, inSize: w, scale: scale, mode: mode)
    let x = input.value
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    x.scalars.withUnsafeBufferPointer { xb in
        out.withUnsafeMutableBufferPointer { ob in
            let xp = SharedConstPointer(xb.baseAddress!), op = SharedPointer(ob.baseAddress!)
            parallelFor(n * c, work: n * c * oh * ow) { plane in
                let src = xp.base + plane * h * w, dst = op.base + plane * oh * ow
                for y in 0..<oh {
                    let r = rows[y]
                    for xx in 0..<ow {
                        let k = cols[xx]
                        dst[y * ow + xx] =
                            r.w0 * (k.w0 * src[r.i0 * w + k.i0] + k.w1 * src[r.i0 * w + k.i1]) +
                            r.w1 * (k.w0 * src[r.i1 * w + k.i0] + k.w1 * src[r.i1 * w + k.i1])
                    }
                }
            }
        }
    }
    return Variable(Tensor(shape: [n, c, oh, ow], scalars: out), op: "upsample", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: n * c * h * w)
        g.scalars.withUnsafeBufferPointer { gb in
            dx.withUnsafeMutableBufferPointer { db in
                let gp = SharedConstPointer(gb.baseAddress!), dp = SharedPointer(db.baseAddress!)
                parallelFor(n * c, work: g.count) { plane in
                    let src = dp.base + plane * h * w, dst = gp.base + plane * oh * ow
                    for y in 0..<oh {
                        let r = rows[y]
                        for xx in 0..<ow {
                            let k = cols[xx], gi = dst[y * ow + xx]
                            src[r.i0 * w + k.i0] += gi * r.w0 * k.w0
                            src[r.i0 * w + k.i1] += gi * r.w0 * k.w1
                            src[r.i1 * w + k.i0] += gi * r.w1 * k.w0
                            src[r.i1 * w + k.i1] += gi * r.w1 * k.w1
                        }
                    }
                }
            }
        }
        return [Tensor(shape: [n, c, h, w], scalars: dx)]
    }
}
