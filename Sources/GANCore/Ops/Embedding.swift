// Embedding lookup (PyTorch Embedding): y[n, :] = table[index[n], :].
// dtable[index[n], :] += g[n, :] (rows used twice receive both gradients).

/// Looks up rows of `table` [count, dimension] for each of `indices`, giving [indices.count, dimension].
public func embedding(_ indices: [Int], table: Variable) -> Variable {
    precondition(table.shape.count == 2, "embedding: table must be [count, dimension], got shape \(table.shape)")
    let rows = table.shape[0], dimension = table.shape[1]
    for index in indices {
        precondition(index >= 0 && index < rows, "embedding: index \(index) out of range for table shape \(table.shape)")
    }
    let t = table.value.scalars
    var out = [Float](repeating: 0, count: indices.count * dimension)
    for (n, index) in indices.enumerated() {
        for d in 0..<dimension { out[n * dimension + d] = t[index * dimension + d] }
    }
    return Variable(Tensor(shape: [indices.count, dimension], scalars: out), op: "embedding", parents: [table]) { g in
        var dt = [Float](repeating: 0, count: rows * dimension)
        for (n, index) in indices.enumerated() {
            for d in 0..<dimension { dt[index * dimension + d] += g.scalars[n * dimension + d] }
        }
        return [Tensor(shape: [rows, dimension], scalars: dt)]
    }
}
