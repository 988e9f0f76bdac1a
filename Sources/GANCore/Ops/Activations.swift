import Foundation

// Pointwise nonlinearities.
// relu: y = max(x, 0), dx = g * [x > 0].   leakyReLU: y = x > 0 ? x : slope*x, dx = g * (x > 0 ? 1 : slope).
// tanh: y = tanh x, dx = g * (1 - y²).     sigmoid: y = 1/(1+e^-x), dx = g * y * (1 - y).

/// Rectified linear unit, max(x, 0).
public func relu(_ x: Variable) -> Variable {
    let input = x.value
    return Variable(input.pointwise { max($0, 0) }, op: "relu", parents: [x]) { g in
        [Tensor.zip(g, input, op: "relu") { gi, xi in xi > 0 ? gi : 0 }]
    }
}

/// Leaky ReLU: x for x > 0, `slope * x` otherwise (PyTorch's `negative_slope`).
public func leakyReLU(_ x: Variable, slope: Float = 0.01) -> Variable {
    let input = x.value
    return Variable(leakyReLUPass(input, gate: input, slope: slope), op: "leakyReLU", parents: [x]) { g in
        [leakyReLUPass(g, gate: input, slope: slope)]
    }
}

/// out[i] = gate[i] > 0 ? values[i] : slope·values[i]: leakyReLU's forward (values = gate = x) and backward
/// (values = g, gate = x) with the slope in the loop, eight lanes at a time (through `pointwise` / `zip`
/// closures they were one call per element, 1% of a CycleGAN training iteration).
func leakyReLUPass(_ values: Tensor, gate: Tensor, slope: Float) -> Tensor {
    Tensor.combining(values, gate, op: "leakyReLU") { v, g, o, range in
        let rv = UnsafeRawPointer(v), rg = UnsafeRawPointer(g), ro = UnsafeMutableRawPointer(o)
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let vv = rv.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ro.storeBytes(of: vv.replacing(with: vv * slope, where: .!(gv .> 0)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < range.upperBound { o[i] = g[i] > 0 ? v[i] : slope * v[i]; i += 1 }
    }
}

/// Hyperbolic tangent.
public func tanh(_ x: Variable) -> Variable {
    let output = x.value.pointwise { Foundation.tanh($0) }
    return Variable(output, op: "tanh", parents: [x]) { g in
        [Tensor.zip(g, output, op: "tanh") { gi, yi in gi * (1 - yi * yi) }]
    }
}

/// Logistic sigmoid, 1 / (1 + e^-x), computed without overflow for large |x|.
public func sigmoid(_ x: Variable) -> Variable {
    let output = x.value.pointwise(stableSigmoid)
    return Variable(output, op: "sigmoid", parents: [x]) { g in
        [Tensor.zip(g, output, op: "sigmoid") { gi, yi in gi * yi * (1 - yi) }]
    }
}

/// 1 / (1 + e^-x) evaluated so that exp never overflows.
@inlinable
func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
}
