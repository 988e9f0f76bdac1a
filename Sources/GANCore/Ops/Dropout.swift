// Inverted dropout (PyTorch Dropout in training): keep each element with probability 1 - p.
// y = x·mask/(1 - p), mask ~ Bernoulli(1 - p) drawn from a seeded generator;  dx = g·mask/(1 - p).

/// Zeroes each element with probability `probability` and scales survivors by 1/(1 - probability).
public func dropout(_ input: Variable, probability: Float, using generator: inout SeededGenerator) -> Variable {
    precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
    let keepScale = 1 / (1 - probability)
    var mask = [Float](repeating: 0, count: input.value.count)
    for i in 0..<mask.count { mask[i] = generator.nextUniform() >= probability ? keepScale : 0 }
    let maskTensor = Tensor(shape: input.shape, scalars: mask)
    let out = Tensor.zip(input.value, maskTensor, op: "dropout", *)
    return Variable(out, op: "dropout", parents: [input]) { g in [Tensor.zip(g, maskTensor, op: "dropout", *)] }
}
