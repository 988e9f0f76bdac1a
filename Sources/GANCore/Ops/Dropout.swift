// Inverted dropout (PyTorch Dropout in training): keep each element with probability 1 - p.
// y = x·mask/(1 - p), mask ~ Bernoulli(1 - p) drawn from a seeded generator;  dx = g·mask/(1 - p).

/// Zeroes each element with probability `probability` and scales survivors by 1/(1 - probability).
public func dropout(_ input: Variable, probability: Float, using generator: inout SeededGenerator) -> Variable {
    precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
    let keepScale = 1 / (1 - probability)
    // In a data-parallel step the mask is drawn for the whole global batch and each rank keeps its rows, so N ranks
    // drop what one process would.
    let ranks = DataParallel.stepGroup
    let skipped = (ranks?.rank ?? 0) * input.value.count, drawn = (ranks?.size ?? 1) * input.value.count
    var mask = [Float](repeating: 0, count: input.value.count)
    for i in 0..<drawn {
        let keep = generator.nextUniform() >= probability
        if i >= skipped && i < skipped + mask.count { mask[i - skipped] = keep ? keepScale : 0 }
    }
    let maskTensor = Tensor(shape: input.shape, scalars: mask)
    let out = Tensor.zip(input.value, maskTensor, op: "dropout", *)
    return Variable(out, op: "dropout", parents: [input]) { g in [Tensor.zip(g, maskTensor, op: "dropout", *)] }
}
