import Foundation

// PatchNCE (Park et al. 2020, CUT's `models/patchnce.py` with nce_includes_all_negatives_from_minibatch False).
//
// For image b with query rows Q_b [P, D] and key rows K_b [P, D] (keys constant, as CUT detaches them):
//   S = Q_b K_bᵀ;  logits of row i = [S_ii, S_i0, …, S_i(P−1) with S_ii replaced by −10] / τ;
//   loss = mean over all B·P rows of cross-entropy with class 0 (the positive).
// Gradient: with p the row's softmax and N = B·P, ∂L/∂S_ii = (p_pos − 1)/(Nτ), ∂L/∂S_ij = p_j/(Nτ) (j ≠ i; the
// masked diagonal is a constant), and ∂L/∂Q_b = (∂L/∂S) K_b.

/// CUT's PatchNCE loss of `query` [B·P, D] against constant `keys` [B·P, D] (rows ordered image by image, P per
/// image): each query's positive is the key of the same row, its negatives the other P − 1 keys of the same
/// image; logits are dot products over `temperature`, and the result is the cross-entropy averaged over all rows.
public func patchNCELoss(query: Variable, keys: Tensor, batch: Int, temperature: Float = 0.07) -> Variable {
    precondition(query.shape.count == 2 && query.shape == keys.shape, "patchNCELoss: query \(query.shape) and keys \(keys.shape) must be the same [B·P, D]")
    precondition(batch >= 1 && query.shape[0] % batch == 0, "patchNCELoss: \(query.shape[0]) rows do not split into \(batch) images")
    precondition(temperature > 0, "patchNCELoss: temperature must be positive")
    let rows = query.shape[0], d = query.shape[1], p = rows / batch
    let q = query.value.scalars, k = keys.scalars
    // dS for every image, filled while the loss is computed.
    var dS = [Float](repeating: 0, count: batch * p * p)
    var total: Double = 0
    var s = [Float](repeating: 0, count: p * p)
    let scale = 1 / (Double(rows) * Double(temperature))
    for b in 0..<batch {
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                s.withUnsafeMutableBufferPointer { sp in
                    gemm(transposeA: false, transposeB: true, m: p, n: p, k: d,
                         a: qp.baseAddress! + b * p * d, b: kp.baseAddress! + b * p * d, beta: 0, c: sp.baseAddress!)
                }
            }
        }
        for i in 0..<p {
            // logits: positive, then the row with its diagonal masked to −10.
            let positive = Double(s[i * p + i]) / Double(temperature)
            let masked = -10 / Double(temperature)
            var largest = max(positive, masked)
            for j in 0..<p where j != i { largest = max(largest, Double(s[i * p + j]) / Double(temperature)) }
            var sumExp = exp(positive - largest) + exp(masked - largest)
            for j in 0..<p where j != i { sumExp += exp(Double(s[i * p + j]) / Double(temperature) - largest) }
            total += largest + log(sumExp) - positive
            let base = b * p * p + i * p
            for j in 0..<p where j != i {
                dS[base + j] = Float(exp(Double(s[i * p + j]) / Double(temperature) - largest) / sumExp * scale)
            }
            dS[base + i] = Float((exp(positive - largest) / sumExp - 1) * scale)
        }
    }
    let loss = Float(total / Double(rows)), dScores = dS
    return Variable(Tensor(scalar: loss), op: "patchNCELoss", parents: [query]) { g in
        var dq = [Float](repeating: 0, count: rows * d)
        let upstream = g.scalar
        let dSg = upstream == 1 ? dScores : dScores.map { $0 * upstream }
        dSg.withUnsafeBufferPointer { gp in
            k.withUnsafeBufferPointer { kp in
                dq.withUnsafeMutableBufferPointer { dp in
                    for b in 0..<batch {
                        gemm(transposeA: false, transposeB: false, m: p, n: d, k: p,
                             a: gp.baseAddress! + b * p * p, b: kp.baseAddress! + b * p * d, beta: 0, c: dp.baseAddress! + b * p * d)
                    }
                }
            }
        }
        return [Tensor(shape: [rows, d], scalars: dq)]
    }
}
