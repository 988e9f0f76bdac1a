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
