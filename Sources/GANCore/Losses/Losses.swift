import Foundation

// Mean losses between a prediction and a target of the same shape (n elements).
// MSE: L = Σ (p - t)² / n;                 dp = 2(p - t)/n, dt = -dp.
// L1:  L = Σ |p - t| / n;                  dp = sign(p - t)/n (0 at 0, as PyTorch), dt = -dp.
// BCE with logits: L = Σ [max(x, 0) - x·t + log(1 + e^-|x|)] / n   (stable for any x);
//                  dx = (σ(x) - t)/n, dt = -x/n.

/// Mean squared error.
public func mseLoss(_ prediction: Variable, _ target: Variable) -> Variable {
    let p = prediction.value, t = target.value
    let diff = Tensor.zip(p, t, op: "mseLoss", -)
    let n = Float(max(p.count, 1))
    var total = 0.0
    for d in diff.scalars { total += Double(d) * Double(d) }
    return Variable(Tensor(scalar: Float(total / Double(n))), op: "mseLoss", parents: [prediction, target]) { g in
        let dp = diff.map { 2 * $0 / n * g.scalar }
        return [dp, dp.map { -$0 }]
    }
}

/// Mean absolute error.
public func l1Loss(_ prediction: Variable, _ target: Variable) -> Variable {
    let p = prediction.value, t = target.value
    let diff = Tensor.zip(p, t, op: "l1Loss", -)
    let n = Float(max(p.count, 1))
    var total = 0.0
    for d in diff.scalars { total += Double(abs(d)) }
    return Variable(Tensor(scalar: Float(total / Double(n))), op: "l1Loss", parents: [prediction, target]) { g in
        let dp = diff.map { ($0 > 0 ? 1 : ($0 < 0 ? -1 : 0)) / n * g.scalar }
        return [dp, dp.map { -$0 }]
    }
}

/// Binary cross-entropy on logits (PyTorch BCEWithLogitsLoss, mean reduction), numerically stable.
public func bceWithLogitsLoss(_ logits: Variable, _ target: Variable) -> Variable {
    let x = logits.value, t = target.value
    precondition(x.shape == t.shape, "bceWithLogitsLoss: shapes \(x.shape) and \(t.shape) differ")
    let n = Float(max(x.count, 1))
    var total = 0.0
    for i in 0..<x.count {
        let xi = Double(x.scalars[i]), ti = Double(t.scalars[i])
        total += max(xi, 0) - xi * ti + log1p(exp(-abs(xi)))
    }
    return Variable(Tensor(scalar: Float(total / Double(n))), op: "bceWithLogitsLoss", parents: [logits, target]) { g in
        let scale = g.scalar / n
        return [Tensor.zip(x, t, op: "bceWithLogitsLoss") { xi, ti in (stableSigmoid(xi) - ti) * scale },
                x.map { -$0 * scale }]
    }
}

/// Mean squared error to a constant target of the same shape.
public func mseLoss(_ prediction: Variable, _ target: Tensor) -> Variable { mseLoss(prediction, Variable(target)) }
/// Mean squared error to a constant value (e.g. 1 for "real" in LSGAN).
public func mseLoss(_ prediction: Variable, _ target: Float) -> Variable {
    mseLoss(prediction, Variable(Tensor(shape: prediction.shape, repeating: target)))
}
/// Mean absolute error to a constant target of the same shape.
public func l1Loss(_ prediction: Variable, _ target: Tensor) -> Variable { l1Loss(prediction, Variable(target)) }
/// Binary cross-entropy on logits against a constant target of the same shape.
public func bceWithLogitsLoss(_ logits: Variable, _ target: Tensor) -> Variable { bceWithLogitsLoss(logits, Variable(target)) }
/// Binary cross-entropy on logits against a constant label (1 real, 0 fake).
public func bceWithLogitsLoss(_ logits: Variable, _ target: Float) -> Variable {
    bceWithLogitsLoss(logits, Variable(Tensor(shape: logits.shape, repeating: target)))
}

/// Softmax cross-entropy of logits [N, C] against one class label per row, averaged over the rows
/// (PyTorch `cross_entropy`): L = (1/N) Σ_n [logΣ_j exp(x_nj) − x_n,y_n];  dx_nj = (softmax(x_n)_j − [j = y_n]) / N.
public func softmaxCrossEntropyLoss(_ logits: Variable, labels: [Int]) -> Variable {
    let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, labels: labels)
    return Variable(Tensor(scalar: loss), op: "softmaxCrossEntropyLoss", parents: [logits]) { g in
        [gradient.map { $0 * g.scalar }]
    }
}
