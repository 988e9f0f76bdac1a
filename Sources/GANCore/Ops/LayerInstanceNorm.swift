// Layer-instance normalisation (U-GAT-IT's ILN and AdaLIN, Kim et al. 2020): a per-channel mix of instance and layer
// normalisation, both with the biased variance. x̂_I = IN(x) over each (n, c) plane, x̂_L = LN(x) over each sample's
// C·H·W values; y = ρ[c]·x̂_I + (1 − ρ[c])·x̂_L = x̂_L + ρ[c]·(x̂_I − x̂_L). Composed of instanceNorm (LN is the
// instance norm of the sample seen as one plane), reshape and channelAffine, whose backward passes give its gradient.
// repeatedRows: y[i, :] = r;  dr = Σᵢ g[i, :].

/// `input` [N, C, H, W] normalised per plane and per sample and mixed per channel by `rho` [C] (1: instance norm
/// alone, 0: layer norm alone).
public func layerInstanceNorm(_ input: Variable, rho: Variable, eps: Float = 1e-5) -> Variable {
    let (n, c, h, w) = input.value.nchw("layerInstanceNorm")
    precondition(rho.shape == [c], "layerInstanceNorm: rho shape \(rho.shape) does not match input shape \(input.shape) (need [\(c)])")
    let instance = instanceNorm(input, eps: eps)
    let layer = reshape(instanceNorm(reshape(input, to: [n, 1, c * h, w]), eps: eps), to: [n, c, h, w])
    return layer + channelAffine(instance - layer, scale: repeatedRows(rho, count: n), shift: Variable(.zeros([n, c])))
}

/// `row` [C] as each of the `count` rows of a [count, C] matrix.
public func repeatedRows(_ row: Variable, count: Int) -> Variable {
    precondition(row.shape.count == 1 && count >= 1, "repeatedRows: need a vector and count >= 1, got shape \(row.shape), count \(count)")
    let c = row.shape[0], r = row.value.scalars
    return Variable(Tensor(shape: [count, c], scalars: Array((0..<count).map { _ in r }.joined())), op: "repeatedRows", parents: [row]) { g in
        var dr = [Float](repeating: 0, count: c)
        for i in 0..<count { for j in 0..<c { dr[j] += g.scalars[i * c + j] } }
        return [Tensor(shape: [c], scalars: dr)]
    }
}
