import Testing
@testable import GANCore

/// Compares the analytic gradient of `loss = Σ f(inputs) ∘ R` (R fixed random weights) with central
/// finite differences evaluated in Float and accumulated in Double.
///
/// Tolerance: |analytic - numeric| <= absoluteTolerance + relativeTolerance · max(|analytic|, |numeric|),
/// with relativeTolerance = 1e-2 and absoluteTolerance = 2e-3 by default (Float32 forward, eps = 1e-2).
/// At most `maxChecksPerInput` elements of each input are probed (spread evenly).
func expectGradientsMatch(_ inputs: [Variable], seed: UInt64 = 7, eps: Float = 1e-2,
                          relativeTolerance: Double = 1e-2, absoluteTolerance: Double = 2e-3,
                          maxChecksPerInput: Int = 40,
                          sourceLocation: SourceLocation = #_sourceLocation,
                          _ f: @escaping () -> Variable) {
    for input in inputs {
        #expect(input.requiresGrad, "gradient check input must be a parameter", sourceLocation: sourceLocation)
        input.zeroGrad()
    }
    let output = f()
    var rng = SeededGenerator(seed: seed)
    let weights = Tensor.randomNormal(output.shape, using: &rng)
    let loss = sum(output * Variable(weights))
    loss.backward()
    func weightedSum() -> Double {
        let out = withNoGrad { f() }.value
        var total = 0.0
        for i in 0..<out.count { total += Double(out.scalars[i]) * Double(weights.scalars[i]) }
        return total
    }
    var worst = 0.0
    for (inputIndex, input) in inputs.enumerated() {
        let analytic = input.grad ?? Tensor.zeros(input.shape)
        let count = input.value.count
        let step = max(1, count / maxChecksPerInput)
        for i in Swift.stride(from: 0, to: count, by: step) {
            let original = input.value.scalars[i]
            input.value.scalars[i] = original + eps
            let plus = weightedSum()
            input.value.scalars[i] = original - eps
            let minus = weightedSum()
            input.value.scalars[i] = original
            let numeric = (plus - minus) / (2 * Double(eps))
            let a = Double(analytic.scalars[i])
            let error = abs(a - numeric)
            let allowed = absoluteTolerance + relativeTolerance * max(abs(a), abs(numeric))
            worst = max(worst, error / allowed)
            if error > allowed {
                Issue.record("input \(inputIndex) element \(i): analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
    }
    #expect(worst <= 1, sourceLocation: sourceLocation)
}

/// A leaf that requires grad, filled with N(0, std²) values from `seed`.
func randomParameter(_ shape: [Int], seed: UInt64, std: Float = 1) -> Variable {
    var rng = SeededGenerator(seed: seed)
    return Variable.parameter(Tensor.randomNormal(shape, std: std, using: &rng))
}

@Suite struct GradientCheckTests {
    /// Negative control: an op whose backward is off by 5% must be caught by the checker.
    @Test func checkerRejectsWrongGradient() {
        let x = randomParameter([6], seed: 1)
        withKnownIssue {
            expectGradientsMatch([x]) {
                let v = x.value
                return Variable(v.map { $0 * $0 }, op: "wrongSquare", parents: [x]) { g in
                    [Tensor.zip(g, v, op: "wrongSquare") { gi, xi in 2.1 * xi * gi }]
                }
            }
        }
    }
}
