import Foundation

// Instance normalisation (PyTorch InstanceNorm2d, no running statistics): each (n, c) plane separately.
// μ = mean(x), σ² = mean((x - μ)²) (biased), x̂ = (x - μ)/√(σ² + ε), y = γ[c]·x̂ + β[c] (γ, β optional).
// Backward per plane of m pixels: dx̂ = g·γ;  dx = (dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) / √(σ² + ε);
// dγ[c] += Σ g·x̂;  dβ[c] += Σ g.

/// Instance normalisation over each image plane, with optional per-channel affine `weight` and `bias` [C].
public func instanceNorm(_ input: Variable, weight: Variable? = nil, bias: Variable? = nil, eps: Float = 1e-5) -> Variable {
    let (n, c, h, w) = input.value.nchw("instanceNorm")
    if let weight { precondition(weight.shape == [c], "instanceNorm: weight shape \(weight.shape) does not match input shape \(input.shape)") }
    if let bias { precondition(bias.shape == [c], "instanceNorm: bias shape \(bias.shape) does not match input shape \(input.shape)") }
    let m = h * w
    let x = input.value
    let gamma = weight?.value.scalars, beta = bias?.value.scalars
    var normalized = [Float](repeating: 0, count: x.count)
    var inverseStd = [Float](repeating: 0, count: n * c)
    var out = [Float](repeating: 0, count: x.count)
    x.scalars.withUnsafeBufferPointer { xb in
        normalized.withUnsafeMutableBufferPointer { nb in
            inverseStd.withUnsafeMutableBufferPointer { ib in
                out.withUnsafeMutableBufferPointer { ob in
                    let xp = SharedConstPointer(xb.baseAddress!), np = SharedPointer(nb.baseAddress!)
                    let ip = SharedPointer(ib.baseAddress!), op = SharedPointer(ob.baseAddress!)
                    parallelFor(n * c, work: x.count) { plane in
                        let base = plane * m
                        var mean = 0.0
                        for i in 0..<m { mean += Double(xp.base[base + i]) }
                        mean /= Double(m)
                        var variance = 0.0
                        for i in 0..<m { let d = Double(xp.base[base + i]) - mean; variance += d * d }
                        variance /= Double(m)
                        let inv = Float(1 / (variance + Double(eps)).squareRoot())
                        ip.base[plane] = inv
                        let ch = plane % c
                        let scale = gamma?[ch] ?? 1, shift = beta?[ch] ?? 0
                        for i in 0..<m {
                            let xh = (xp.base[base + i] - Float(mean)) * inv
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
    return Variable(Tensor(shape: x.shape, scalars: out), op: "instanceNorm", parents: parents) { [normalized, inverseStd] g in
        var dx = [Float](repeating: 0, count: x.count)
        // Per-plane Σg·x̂ and Σg, reduced over the batch afterwards.
        var planeSumGX = [Float](repeating: 0, count: n * c), planeSumG = [Float](repeating: 0, count: n * c)
        g.scalars.withUnsafeBufferPointer { gb in
            normalized.withUnsafeBufferPointer { nb in
                dx.withUnsafeMutableBufferPointer { db in
                    planeSumGX.withUnsafeMutableBufferPointer { sxb in
                        planeSumG.withUnsafeMutableBufferPointer { sgb in
                            let gp = SharedConstPointer(gb.baseAddress!), np = SharedConstPointer(nb.baseAddress!)
                            let dp = SharedPointer(db.baseAddress!)
                            let sx = SharedPointer(sxb.baseAddress!), sg = SharedPointer(sgb.baseAddress!)
                            parallelFor(n * c, work: x.count) { plane in
                                let base = plane * m, ch = plane % c
                                let scale = Double(gamma?[ch] ?? 1)
                                var sumG = 0.0, sumGX = 0.0
                                for i in 0..<m {
                                    let gi = Double(gp.base[base + i])
                                    sumG += gi; sumGX += gi * Double(np.base[base + i])
                                }
                                sx.base[plane] = Float(sumGX); sg.base[plane] = Float(sumG)
                                let meanD = scale * sumG / Double(m), meanDX = scale * sumGX / Double(m)
                                let inv = Double(inverseStd[plane])
                                for i in 0..<m {
                                    let d = Double(gp.base[base + i]) * scale
                                    dp.base[base + i] = Float((d - meanD - Double(np.base[base + i]) * meanDX) * inv)
                                }
                            }
                        }
                    }
                }
            }
        }
        var dGamma = [Float](repeating: 0, count: c), dBeta = [Float](repeating: 0, count: c)
        for plane in 0..<(n * c) { dGamma[plane % c] += planeSumGX[plane]; dBeta[plane % c] += planeSumG[plane] }
        var grads: [Tensor?] = [Tensor(shape: x.shape, scalars: dx)]
        if hasWeight { grads.append(Tensor(shape: [c], scalars: dGamma)) }
        if hasBias { grads.append(Tensor(shape: [c], scalars: dBeta)) }
        return grads
    }
}
