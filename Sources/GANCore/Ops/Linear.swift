// Fully connected layer (PyTorch Linear): y = x·Wᵀ + b, x [N, in], W [out, in], b [out].
// dx = g·W;  dW += gᵀ·x;  db = Σ_n g.

/// Applies `input` [N, in] to `weight` [out, in] with optional `bias` [out], giving [N, out].
public func linear(_ input: Variable, weight: Variable, bias: Variable? = nil) -> Variable {
    precondition(input.shape.count == 2 && weight.shape.count == 2 && input.shape[1] == weight.shape[1],
                 "linear: input shape \(input.shape) does not match weight shape \(weight.shape) (need [N, in] and [out, in])")
    let n = input.shape[0], inFeatures = input.shape[1], outFeatures = weight.shape[0]
    if let bias { precondition(bias.shape == [outFeatures], "linear: bias shape \(bias.shape) does not match weight shape \(weight.shape)") }
    let x = input.value, wv = weight.value, bv = bias?.value
    var out = [Float](repeating: 0, count: n * outFeatures)
    if let bv { for b in 0..<n { for o in 0..<outFeatures { out[b * outFeatures + o] = bv.scalars[o] } } }
    x.scalars.withUnsafeBufferPointer { xp in
        wv.scalars.withUnsafeBufferPointer { wp in
            out.withUnsafeMutableBufferPointer { op in
                gemm(transposeA: false, transposeB: true, m: n, n: outFeatures, k: inFeatures,
                     a: xp.baseAddress!, b: wp.baseAddress!, beta: bv == nil ? 0 : 1, c: op.baseAddress!)
            }
        }
    }
    var parents = [input, weight]
    if let bias { parents.append(bias) }
    return Variable(Tensor(shape: [n, outFeatures], scalars: out), op: "linear", parents: parents) { g in
        var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: wv.count)
        var db = [Float](repeating: 0, count: outFeatures)
        g.scalars.withUnsafeBufferPointer { gp in
            wv.scalars.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dp in
                    gemm(transposeA: false, transposeB: false, m: n, n: inFeatures, k: outFeatures,
                         a: gp.baseAddress!, b: wp.baseAddress!, beta: 0, c: dp.baseAddress!)
                }
            }
            x.scalars.withUnsafeBufferPointer { xp in
                dw.withUnsafeMutableBufferPointer { dp in
                    gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: n,
                         a: gp.baseAddress!, b: xp.baseAddress!, beta: 0, c: dp.baseAddress!)
                }
            }
            for b in 0..<n { for o in 0..<outFeatures { db[o] += gp[b * outFeatures + o] } }
        }
        return [Tensor(shape: x.shape, scalars: dx), Tensor(shape: wv.shape, scalars: dw),
                bv == nil ? nil : Tensor(shape: [outFeatures], scalars: db)]
    }
}
