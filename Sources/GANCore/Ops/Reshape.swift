// Reshape: same elements, new shape. dx = g viewed in the input's shape.

/// Returns the same elements under `shape`; the element count must match.
public func reshape(_ x: Variable, to shape: [Int]) -> Variable {
    let inputShape = x.shape
    precondition(shape.reduce(1, *) == x.value.count, "reshape: cannot view shape \(inputShape) as \(shape)")
    return Variable(x.value.reshaped(shape), op: "reshape", parents: [x]) { g in [g.reshaped(inputShape)] }
}

/// Flattens every dimension after the first: `[N, ...] -> [N, rest]`.
public func flatten(_ x: Variable) -> Variable {
    precondition(x.shape.count >= 1, "flatten: needs rank >= 1, got shape \(x.shape)")
    return reshape(x, to: [x.shape[0], x.value.count / max(x.shape[0], 1)])
}
