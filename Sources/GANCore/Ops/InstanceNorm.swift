import Foundation

// Instance normalisation (PyTorch InstanceNorm2d, no running statistics): each (n, c) plane separately.
// μ = mean(x), σ² = mean((x - μ)²) (biased), x̂ = (x - μ)/√(σ² + ε), y = γ[c]·x̂ + β[c] (γ, β optional).
// Backward per plane of m pixels: dx̂ = g·γ;  dx = (dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) / √(σ² + ε);
// dγ[c] += Σ g·x̂;  dβ[c] += Σ g.

/// Instance normalisation over each image plane, with optional per-channel affine `weight` and `bias` [C].
/// With `fusedReLU`, returns max(0, y) in the same pass (ResnetGenerator's norm-ReLU pairs): the
/// backward masks the gradient by y > 0 before the normalisation's own backward.
public func instanceNorm(_ input: Variable, weight: Variable? = nil, bias: Variable? = nil, eps: Float = 1e-5,
                         fusedReLU: Bool = false) -> Variable {
    let (n, c, h, w) = input.value.nchw("instanceNorm")
    if let weight { precondition(weight.shape == [c], "instanceNorm: weight shape \(weight.shape) does not match input shape \(input.shape)") }
    if let bias { precondition(bias.shape == [c], "instanceNorm: bias shape \(bias.shape) does not match input shape \(input.shape)") }
    let m = h * w
    let x = input.value
    let gamma = weight?.value.scalars, beta = bias?.value.scalars
    var means = [Float](repeating: 0, count: n * c)
    var inverseStd = [Float](repeating: 0, count: n * c)
    var out = [Float](unsafeUninitializedCapacity: x.count) { _, count in count = x.count }
    x.scalars.withUnsafeBufferPointer { xb in
        means.withUnsafeMutableBufferPointer { mb in
            inverseStd.withUnsafeMutableBufferPointer { ib in
                out.withUnsafeMutableBufferPointer { ob in
                    let xp = SharedConstPointer(xb.baseAddress!), mp = SharedPointer(mb.baseAddress!)
                    let ip = SharedPointer(ib.baseAddress!), op = SharedPointer(ob.baseAddress!)
                    parallelFor(n * c, work: x.count) { plane in
                        let source = xp.base + plane * m, target = op.base + plane * m
                        let mean = Float(vectorSum(source, m) / Double(m))
                        let variance = vectorSumOfSquaredDeviations(source, m, center: mean) / Double(m)
                        let inv = Float(1 / (variance + Double(eps)).squareRoot())
                        mp.base[plane] = mean
                        ip.base[plane] = inv
                        let ch = plane % c
                        // y = x·a + b with a = γ/σ, b = β - μ·γ/σ.
                        let a = (gamma?[ch] ?? 1) * inv, b = (beta?[ch] ?? 0) - mean * a
                        if fusedReLU {
                            for i in 0..<m { target[i] = max(source[i] * a + b, 0) }
                        } else {
                            for i in 0..<m { target[i] = source[i] * a + b }
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
    let output = fusedReLU ? out : []
    return Variable(Tensor(shape: x.shape, scalars: out), op: fusedReLU ? "instanceNormReLU" : "instanceNorm",
                    parents: parents) { [means, inverseStd] upstream in
        let g = upstream
        var dx = [Float](unsafeUninitializedCapacity: x.count) { _, count in count = x.count }
        // Per-plane Σg·x̂ and Σg, reduced over the batch afterwards.
        var planeSumGX = [Float](repeating: 0, count: n * c), planeSumG = [Float](repeating: 0, count: n * c)
        g.scalars.withUnsafeBufferPointer { gb in
            output.withUnsafeBufferPointer { yb in
                x.scalars.withUnsafeBufferPointer { xb in
                    dx.withUnsafeMutableBufferPointer { db in
                        planeSumGX.withUnsafeMutableBufferPointer { sxb in
                            planeSumG.withUnsafeMutableBufferPointer { sgb in
                                let gp = SharedConstPointer(gb.baseAddress!), xp = SharedConstPointer(xb.baseAddress!)
                                let dp = SharedPointer(db.baseAddress!)
                                let yp = fusedReLU ? SharedConstPointer(yb.baseAddress!) : nil
                                let sx = SharedPointer(sxb.baseAddress!), sg = SharedPointer(sgb.baseAddress!)
                                parallelFor(n * c, work: x.count) { plane in
                                    let base = plane * m, ch = plane % c
                                    let mean = means[plane], inv = inverseStd[plane]
                                    let gIn = gp.base + base, target = dp.base + base
                                    if let yp {
                                        // Through the fused ReLU first: no gradient where the output was clamped to 0
                                        // (the masked gradient is staged in dx, then overwritten in place below).
                                        maskByPositive(gIn, by: yp.base + base, into: target, count: m)
                                    }
                                    let gSrc = yp == nil ? gIn : UnsafePointer(target)
                                    let (sumG, sumGXc) = vectorSumAndDot(gSrc, xp.base + base, m, center: mean)
                                    let sumGX = sumGXc * Double(inv)  // Σ g·x̂
                                    sx.base[plane] = Float(sumGX); sg.base[plane] = Float(sumG)
                                    let scale = gamma?[ch] ?? 1
                                    let meanD = Float(Double(scale) * sumG / Double(m)), meanDX = Float(Double(scale) * sumGX / Double(m))
                                    // dx = (g·γ - mean(dx̂) - x̂·mean(dx̂·x̂)) / σ with x̂ = (x - μ)/σ.
                                    let gScale = scale * inv, xScale = meanDX * inv * inv, shift = -meanD * inv + mean * meanDX * inv * inv
                                    let xSrc = xp.base + base
                                    if yp != nil {
                                        for i in 0..<m { target[i] = target[i] * gScale - xSrc[i] * xScale + shift }
                                    } else {
                                        for i in 0..<m { target[i] = gIn[i] * gScale - xSrc[i] * xScale + shift }
                                    }
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

/// out[i] = g[i] where y[i] > 0, else 0 (a ReLU's backward from its output), eight lanes at a time: the
/// plain loop with a conditional load compiles to a scalar branch per element.
func maskByPositive(_ g: UnsafePointer<Float>, by y: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    let rg = UnsafeRawPointer(g), ry = UnsafeRawPointer(y), ro = UnsafeMutableRawPointer(out)
    var i = 0
    while i + 8 <= count {
        let gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let yv = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        ro.storeBytes(of: gv.replacing(with: 0, where: .!(yv .> 0)), toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count { out[i] = y[i] > 0 ? g[i] : 0; i += 1 }
}
