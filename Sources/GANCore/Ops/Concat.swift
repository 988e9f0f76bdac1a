// Concatenation along the channel axis of NCHW tensors (torch.cat(dim=1)).
// out[n, offset_k + c] = x_k[n, c];  dx_k = the matching channel slice of g.

/// Concatenates NCHW tensors with equal N, H, W along channels.
public func concatChannels(_ inputs: [Variable]) -> Variable {
    precondition(!inputs.isEmpty, "concatChannels: needs at least one input")
    let (n, _, h, w) = inputs[0].value.nchw("concatChannels")
    for input in inputs {
        let (n2, _, h2, w2) = input.value.nchw("concatChannels")
        precondition(n2 == n && h2 == h && w2 == w,
                     "concatChannels: shapes \(inputs[0].shape) and \(input.shape) differ outside the channel axis")
    }
    let channels = inputs.map { $0.shape[1] }
    let total = channels.reduce(0, +), spatial = h * w
    var out = [Float](repeating: 0, count: n * total * spatial)
    var offset = 0
    for (k, input) in inputs.enumerated() {
        let c = channels[k]
        for b in 0..<n {
            for i in 0..<(c * spatial) { out[(b * total + offset) * spatial + i] = input.value.scalars[b * c * spatial + i] }
        }
        offset += c
    }
    return Variable(Tensor(shape: [n, total, h, w], scalars: out), op: "concatChannels", parents: inputs) { g in
        var grads: [Tensor?] = []
        var offset = 0
        for c in channels {
            var d = [Float](repeating: 0, count: n * c * spatial)
            for b in 0..<n {
                for i in 0..<(c * spatial) { d[b * c * spatial + i] = g.scalars[(b * total + offset) * spatial + i] }
            }
            grads.append(Tensor(shape: [n, c, h, w], scalars: d))
            offset += c
        }
        return grads
    }
}

// Channel slice (x[:, range]): out[n, c] = x[n, range.lowerBound + c];  dx is g placed in the slice, zero elsewhere.

/// The channels `range` of an NCHW tensor.
public func sliceChannels(_ input: Variable, _ range: Range<Int>) -> Variable {
    let (n, c, h, w) = input.value.nchw("sliceChannels")
    precondition(range.lowerBound >= 0 && range.upperBound <= c && !range.isEmpty,
                 "sliceChannels: channel range \(range) outside input shape \(input.shape)")
    let spatial = h * w, k = range.count, start = range.lowerBound
    var out = [Float](repeating: 0, count: n * k * spatial)
    for b in 0..<n {
        for i in 0..<(k * spatial) { out[b * k * spatial + i] = input.value.scalars[(b * c + start) * spatial + i] }
    }
    return Variable(Tensor(shape: [n, k, h, w], scalars: out), op: "sliceChannels", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: n * c * spatial)
        for b in 0..<n {
            for i in 0..<(k * spatial) { dx[(b * c + start) * spatial + i] = g.scalars[b * k * spatial + i] }
        }
        return [Tensor(shape: [n, c, h, w], scalars: dx)]
    }
}
