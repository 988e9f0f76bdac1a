// Elementwise arithmetic on same-shape tensors, and with a scalar.
// out = a + b: da = g, db = g.   out = a - b: da = g, db = -g.   out = a * b: da = g*b, db = g*a.
// out = a * s + t (scalar s, t): da = g * s.

/// Adds two tensors of the same shape.
public func + (a: Variable, b: Variable) -> Variable {
    let out = Tensor.adding(a.value, b.value)
    return Variable(out, op: "add", parents: [a, b]) { g in [g, g] }
}

/// Subtracts two tensors of the same shape.
public func - (a: Variable, b: Variable) -> Variable {
    let out = Tensor.zip(a.value, b.value, op: "subtract", -)
    return Variable(out, op: "subtract", parents: [a, b]) { g in [g, g.pointwise { -$0 }] }
}

/// Multiplies two tensors of the same shape element by element.
public func * (a: Variable, b: Variable) -> Variable {
    let (av, bv) = (a.value, b.value)
    let out = Tensor.zip(av, bv, op: "multiply", *)
    return Variable(out, op: "multiply", parents: [a, b]) { g in
        [Tensor.zip(g, bv, op: "multiply", *), Tensor.zip(g, av, op: "multiply", *)]
    }
}

/// Computes `a * scale + shift` for scalars `scale` and `shift`.
public func affine(_ a: Variable, scale: Float, shift: Float) -> Variable {
    let out = a.value.pointwise { $0 * scale + shift }
    return Variable(out, op: "affine", parents: [a]) { g in [g.pointwise { $0 * scale }] }
}

/// Adds a scalar to every element.
public func + (a: Variable, s: Float) -> Variable { affine(a, scale: 1, shift: s) }
/// Adds a scalar to every element.
public func + (s: Float, a: Variable) -> Variable { affine(a, scale: 1, shift: s) }
/// Subtracts a scalar from every element.
public func - (a: Variable, s: Float) -> Variable { affine(a, scale: 1, shift: -s) }
/// Subtracts every element from a scalar.
public func - (s: Float, a: Variable) -> Variable { affine(a, scale: -1, shift: s) }
/// Multiplies every element by a scalar.
public func * (a: Variable, s: Float) -> Variable { affine(a, scale: s, shift: 0) }
/// Multiplies every element by a scalar.
public func * (s: Float, a: Variable) -> Variable { affine(a, scale: s, shift: 0) }
/// Negates every element.
public prefix func - (a: Variable) -> Variable { affine(a, scale: -1, shift: 0) }
