import Foundation

// Batch normalisation (PyTorch BatchNorm2d): per channel over batch and space (m = N·H·W values).
// Training: μ, σ² (biased) from the batch; x̂ = (x - μ)/√(σ² + ε); y = γ·x̂ + β;
//   running_mean ← (1 - momentum)·running_mean + momentum·μ,
//   running_var  ← (1 - momentum)·running_var  + momentum·σ²·m/(m - 1)   (unbiased, as PyTorch).
//   dx = (dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) / √(σ² + ε) with dx̂ = g·γ.
// Data-parallel steps sum Σx, Σ(x-μ)², Σg and Σg·x̂ over the ranks, so N ranks of n rows compute what N·n rows would.
// Evaluation: μ, σ² are the running statistics (constants), so dx = g·γ/√(σ² + ε).
// dγ[c] += Σ g·x̂;  dβ[c] += Σ g.

/// Batch normalisation of an NCHW tensor.
/// - Parameters:
///   - runningMean, runningVariance: buffers [C] updated in training and used in evaluation; may be nil
///     (PyTorch `track_running_stats=False`), in which case batch statistics are always used.
///   - training: use batch statistics (and update the running ones) rather than the running ones.
public func batchNorm(_ input: Variable, weight: Variable? = nil, bias: Variable? = nil,
                      runningMean: Variable? = nil, runningVariance: Variable? = nil,
                      training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Variable {
    let (n, c, h, w) = input.value.nchw("batchNorm")
    for (name, v) in [("weight", weight), ("bias", bias), ("running mean", runningMean), ("running variance", runningVariance)] {
        if let v { precondition(v.shape == [c], "batchNorm: \(name) shape \(v.shape) does not match input shape \(input.shape)") }
    }
    let useBatchStatistics = training || runningMean == nil || runningVariance == nil
    // A data-parallel step sums the statistics over the ranks (synchronised batch norm): m counts every rank's rows.
    let ranks = training ? DataParallel.stepGroup : nil
    let spatial = h * w, m = n * spatial * (ranks?.size ?? 1)
    let x = input.value
    var mean = [Float](repeating: 0, count: c), inverseStd = [Float](repeating: 0, count: c)
    x.scalars.withUnsafeBufferPointer { xp in
        guard useBatchStatistics else {
            for ch in 0..<c {
                mean[ch] = runningMean!.value.scalars[ch]
                inverseStd[ch] = 1 / (runningVariance!.value.scalars[ch] + eps).squareRoot()
            }
            return
        }
        var totals = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            for b in 0..<n { let base = (b * c + ch) * spatial; for i in 0..<spatial { totals[ch] += Double(xp[base + i]) } }
        }
        ranks?.sum(&totals)
        let means = totals.map { $0 / Double(m) }
        var squares = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            for b in 0..<n {
                let base = (b * c + ch) * spatial
                for i in 0..<spatial { let d = Double(xp[base + i]) - means[ch]; squares[ch] += d * d }
            }
        }
        ranks?.sum(&squares)
        for ch in 0..<c {
            let variance = squares[ch] / Double(m)
            mean[ch] = Float(means[ch])
            inverseStd[ch] = Float(1 / (variance + Double(eps)).squareRoot())
            if training, let runningMean, let runningVariance {
                let unbiased = m > 1 ? squares[ch] / Double(m - 1) : variance
                runningMean.value.scalars[ch] = (1 - momentum) * runningMean.value.scalars[ch] + momentum * Float(means[ch])
                runningVariance.value.scalars[ch] = (1 - momentum) * runningVariance.value.scalars[ch] + momentum * Float(unbiased)
            }
        }
    }
    let gamma = weight?.value.scalars, beta = bias?.value.scalars
    var normalized = [Float](repeating: 0, count: x.count), out = [Float](repeating: 0, count: x.count)
    let channelMean = mean, channelInverseStd = inverseStd
    x.scalars.withUnsafeBufferPointer { xb in
        normalized.withUnsafeMutableBufferPointer { nb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = SharedConstPointer(xb.baseAddress!), np = SharedPointer(nb.baseAddress!), op = SharedPointer(ob.baseAddress!)
                parallelFor(c, work: x.count) { ch in
                    let scale = gamma?[ch] ?? 1, shift = beta?[ch] ?? 0
                    for b in 0..<n {
                        let base = (b * c + ch) * spatial
                        for i in 0..<spatial {
                            let xh = (xp.base[base + i] - channelMean[ch]) * channelInverseStd[ch]
                            np.base[base + i] = xh
                            op.base[base + i] = xh * scale + shift
                        }
                    }
                }
            }
        }
    }
    var parents = [input]
    if let weight { parents.append(weight) }
    if let bias { parents.append(bias) }
    let hasWeight = weight != nil, hasBias = bias != nil
    return Variable(Tensor(shape: x.shape, scalars: out), op: "batchNorm", parents: parents) { [normalized, inverseStd] g in
        var dx = [Float](repeating: 0, count: x.count)
        var dGamma = [Float](repeating: 0, count: c), dBeta = [Float](repeating: 0, count: c)
        g.scalars.withUnsafeBufferPointer { gp in
            var sums = [Double](repeating: 0, count: 2 * c)   // Σ g and Σ g·x̂ per channel
            for ch in 0..<c {
                for b in 0..<n {
                    let base = (b * c + ch) * spatial
                    for i in 0..<spatial { let gi = Double(gp[base + i]); sums[ch] += gi; sums[c + ch] += gi * Double(normalized[base + i]) }
                }
                dGamma[ch] = Float(sums[c + ch]); dBeta[ch] = Float(sums[ch])
            }
            if useBatchStatistics { ranks?.sum(&sums) }
            for ch in 0..<c {
                let scale = Double(gamma?[ch] ?? 1)
                let inv = Double(inverseStd[ch])
                let meanD = useBatchStatistics ? scale * sums[ch] / Double(m) : 0
                let meanDX = useBatchStatistics ? scale * sums[c + ch] / Double(m) : 0
                for b in 0..<n {
                    let base = (b * c + ch) * spatial
                    for i in 0..<spatial {
                        let d = Double(gp[base + i]) * scale
                        dx[base + i] = Float((d - meanD - Double(normalized[base + i]) * meanDX) * inv)
                    }
                }
            }
        }
        var grads: [Tensor?] = [Tensor(shape: x.shape, scalars: dx)]
        if hasWeight { grads.append(Tensor(shape: [c], scalars: dGamma)) }
        if hasBias { grads.append(Tensor(shape: [c], scalars: dBeta)) }
        return grads
    }
}

// Per-sample, per-channel scale and shift (the affine half of conditional batch norm).
// y[n,c,:,:] = x[n,c,:,:]·scale[n,c] + shift[n,c];  dx = g·scale;  dscale[n,c] = Σ g·x;  dshift[n,c] = Σ g.

/// Scales and shifts each (sample, channel) plane of `input` [N, C, H, W] by `scale` and `shift` [N, C].
public func channelAffine(_ input: Variable, scale: Variable, shift: Variable) -> Variable {
    let (n, c, h, w) = input.value.nchw("channelAffine")
    precondition(scale.shape == [n, c] && shift.shape == [n, c],
                 "channelAffine: scale shape \(scale.shape) / shift shape \(shift.shape) do not match input shape \(input.shape) (need [\(n), \(c)])")
    let spatial = h * w
    let x = input.value, s = scale.value.scalars, t = shift.value.scalars
    var out = [Float](repeating: 0, count: x.count)
    for plane in 0..<(n * c) {
        for i in 0..<spatial { out[plane * spatial + i] = x.scalars[plane * spatial + i] * s[plane] + t[plane] }
    }
    return Variable(Tensor(shape: x.shape, scalars: out), op: "channelAffine", parents: [input, scale, shift]) { g in
        var dx = [Float](repeating: 0, count: x.count)
        var dScale = [Float](repeating: 0, count: n * c), dShift = [Float](repeating: 0, count: n * c)
        for plane in 0..<(n * c) {
            var sumG: Float = 0, sumGX: Float = 0
            for i in 0..<spatial {
                let k = plane * spatial + i
                dx[k] = g.scalars[k] * s[plane]
                sumG += g.scalars[k]; sumGX += g.scalars[k] * x.scalars[k]
            }
            dScale[plane] = sumGX; dShift[plane] = sumG
        }
        return [Tensor(shape: x.shape, scalars: dx), Tensor(shape: [n, c], scalars: dScale), Tensor(shape: [n, c], scalars: dShift)]
    }
}
