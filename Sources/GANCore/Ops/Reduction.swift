// Reductions to a scalar (shape []).
// sum: y = Σ x, dx = g.   mean: y = Σ x / n, dx = g / n.

/// The sum of all elements, as a scalar.
public func sum(_ x: Variable) -> Variable {
    let shape = x.shape
    return Variable(Tensor(scalar: x.value.sum()), op: "sum", parents: [x]) { g in
        [Tensor(shape: shape, repeating: g.scalar)]
    }
}

/// The mean of all elements, as a scalar.
public func mean(_ x: Variable) -> Variable {
    let shape = x.shape
    let n = Float(max(x.value.count, 1))
    return Variable(Tensor(scalar: x.value.sum() / n), op: "mean", parents: [x]) { g in
        [Tensor(shape: shape, repeating: g.scalar / n)]
    }
}
