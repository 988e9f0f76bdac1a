// Patch sampling for contrastive losses (CUT's PatchSampleF): pick feature vectors at spatial locations,
// then normalise each row to unit L2 length.
//
// gatherLocations: y[n·P + p, c] = x[n, c, loc_p];  dx[n, c, loc_p] += g[n·P + p, c].
// normalizeRows:   y = x / (r + ε), r = ‖x‖₂ per row;  dx = g / (r + ε) − x · (g·x) / ((r + ε)² · r)  (r > 0; else g / ε).

/// The feature vectors of `input` [N, C, H, W] at the flat spatial `locations` (y·W + x, each in 0..<H·W),
/// as rows [N · locations.count, C]: image 0's locations first, then image 1's (PyTorch
/// `feat.permute(0, 2, 3, 1).flatten(1, 2)[:, locations, :].flatten(0, 1)`).
public func gatherLocations(_ input: Variable, locations: [Int]) -> Variable {
    precondition(input.shape.count == 4, "gatherLocations: input must be [N, C, H, W], got shape \(input.shape)")
    let (n, c, plane) = (input.shape[0], input.shape[1], input.shape[2] * input.shape[3])
    for location in locations {
        precondition(location >= 0 && location < plane, "gatherLocations: location \(location) outside a \(input.shape[2])x\(input.shape[3]) plane")
    }
    let p = locations.count, x = input.value.scalars, inputShape = input.shape
    var out = [Float](repeating: 0, count: n * p * c)
    for b in 0..<n {
        for (k, location) in locations.enumerated() {
            let row = (b * p + k) * c, base = b * c * plane + location
            for ch in 0..<c { out[row + ch] = x[base + ch * plane] }
        }
    }
    return Variable(Tensor(shape: [n * p, c], scalars: out), op: "gatherLocations", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: n * c * plane)
        for b in 0..<n {
            for (k, location) in locations.enumerated() {
                let row = (b * p + k) * c, base = b * c * plane + location
                for ch in 0..<c { dx[base + ch * plane] += g.scalars[row + ch] }
            }
        }
        return [Tensor(shape: inputShape, scalars: dx)]
    }
}

/// Each row of `input` [M, D] divided by its L2 norm plus `epsilon` (CUT's `Normalize(2)`: x / (‖x‖ + 1e-7)).
public func normalizeRows(_ input: Variable, epsilon: Float = 1e-7) -> Variable {
    precondition(input.shape.count == 2, "normalizeRows: input must be [M, D], got shape \(input.shape)")
    let (m, d) = (input.shape[0], input.shape[1]), x = input.value.scalars
    var norms = [Float](repeating: 0, count: m), out = [Float](repeating: 0, count: m * d)
    for i in 0..<m {
        var s: Double = 0
        for j in 0..<d { s += Double(x[i * d + j]) * Double(x[i * d + j]) }
        norms[i] = Float(s.squareRoot())
        let scale = 1 / (norms[i] + epsilon)
        for j in 0..<d { out[i * d + j] = x[i * d + j] * scale }
    }
    let rowNorms = norms
    return Variable(Tensor(shape: [m, d], scalars: out), op: "normalizeRows", parents: [input]) { g in
        var dx = [Float](repeating: 0, count: m * d)
        for i in 0..<m {
            let r = rowNorms[i], denominator = r + epsilon
            var dot: Double = 0
            for j in 0..<d { dot += Double(g.scalars[i * d + j]) * Double(x[i * d + j]) }
            let radial = r > 0 ? Float(dot) / (denominator * denominator * r) : 0
            for j in 0..<d { dx[i * d + j] = g.scalars[i * d + j] / denominator - x[i * d + j] * radial }
        }
        return [Tensor(shape: [m, d], scalars: dx)]
    }
}
