// Average pooling (PyTorch AvgPool2d, ceil_mode=False).
// out[y, x] = Σ_{window ∩ image} in / divisor; divisor = kh·kw when count_include_pad (PyTorch's default),
// else the number of window cells inside the image. dx[window] += g / divisor.

/// Average pooling with a square `kernel`, `stride` (default: the kernel) and zero `padding`.
public func avgPool2d(_ input: Variable, kernel: Int, stride: Int? = nil, padding: Int = 0,
                      countIncludePad: Bool = true) -> Variable {
    let (n, c, h, w) = input.value.nchw("avgPool2d")
    let s = stride ?? kernel
    precondition(kernel >= 1 && s >= 1 && padding >= 0 && padding <= kernel / 2,
                 "avgPool2d: kernel \(kernel), stride \(s), padding \(padding) invalid for input shape \(input.shape)")
    let oh = convolutionOutputSize(h, kernel: kernel, stride: s, padding: padding)
    let ow = convolutionOutputSize(w, kernel: kernel, stride: s, padding: padding)
    precondition(oh > 0 && ow > 0, "avgPool2d: input shape \(input.shape) smaller than kernel \(kernel)")
    // Window bounds inside the image, and divisors, per output row / column.
    func windows(_ outSize: Int, _ size: Int) -> [(lo: Int, hi: Int, padded: Int)] {
        (0..<outSize).map { o in
            let start = o * s - padding
            let paddedEnd = min(start + kernel, size + padding)
            return (max(start, 0), min(start + kernel, size), paddedEnd - start)
        }
    }
    let rows = windows(oh, h), cols = windows(ow, w)
    var divisors = [Float](repeating: 1, count: oh * ow)
    for y in 0..<oh {
        for xx in 0..<ow {
            let (r, k) = (rows[y], cols[xx])
            divisors[y * ow + xx] = countIncludePad ? Float(r.padded * k.padded) : Float((r.hi - r.lo) * (k.hi - k.lo))
        }
    }
    let x = input.value
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    for plane in 0..<(n * c) {
        let src = plane * h * w, dst = plane * oh * ow
        for y in 0..<oh {
            for xx in 0..<ow {
                var total: Float = 0
                for i in rows[y].lo..<rows[y].hi { for j in cols[xx].lo..<cols[xx].hi { total += x.scalars[src + i * w + j] } }
                out[dst + y * ow + xx] = total / divisors[y * ow + xx]
            }
        }
    }
    return Variable(Tensor(shape: [n, c, oh, ow], scalars: out), op: "avgPool2d", parents: [input]) { [divisors] g in
        var dx = [Float](repeating: 0, count: x.count)
        for plane in 0..<(n * c) {
            let src = plane * h * w, dst = plane * oh * ow
            for y in 0..<oh {
                for xx in 0..<ow {
                    let share = g.scalars[dst + y * ow + xx] / divisors[y * ow + xx]
                    for i in rows[y].lo..<rows[y].hi { for j in cols[xx].lo..<cols[xx].hi { dx[src + i * w + j] += share } }
                }
            }
        }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}

// Global pooling over each (sample, channel) plane, to [N, C] (PyTorch adaptive_avg_pool2d / adaptive_max_pool2d
// to 1×1, then flattened). Average: y = Σ x / (H·W), dx = g / (H·W). Max: y = max x, dx = g at the first maximum.

/// The mean of each plane of `input` [N, C, H, W], as [N, C].
public func globalAveragePool(_ input: Variable) -> Variable {
    let (n, c, h, w) = input.value.nchw("globalAveragePool")
    let m = h * w, x = input.value
    let out = (0..<(n * c)).map { plane in x.scalars[(plane * m)..<((plane + 1) * m)].reduce(0, +) / Float(m) }
    return Variable(Tensor(shape: [n, c], scalars: out), op: "globalAveragePool", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: x.count)
        for plane in 0..<(n * c) { for i in 0..<m { dx[plane * m + i] = g.scalars[plane] / Float(m) } }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}

/// The maximum of each plane of `input` [N, C, H, W], as [N, C]; the gradient goes to the first maximum.
public func globalMaxPool(_ input: Variable) -> Variable {
    let (n, c, h, w) = input.value.nchw("globalMaxPool")
    let m = h * w, x = input.value
    let argmax = (0..<(n * c)).map { plane in
        var best = plane * m
        for i in (plane * m)..<((plane + 1) * m) where x.scalars[i] > x.scalars[best] { best = i }
        return best
    }
    return Variable(Tensor(shape: [n, c], scalars: argmax.map { x.scalars[$0] }), op: "globalMaxPool", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: x.count)
        for (plane, i) in argmax.enumerated() { dx[i] = g.scalars[plane] }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}
