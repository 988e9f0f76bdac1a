import CKernels

// Optimizers over a fixed list of parameters, with PyTorch's update rules.
// Adam (torch.optim.Adam, L2 weight_decay): g ← ∇ + λ·θ;  m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;
//   θ ← θ - lr · (m/(1-β1ᵗ)) / (√(v/(1-β2ᵗ)) + ε).
// SGD (torch.optim.SGD): g ← ∇ + λ·θ;  b ← g at the first step, else μ·b + (1-dampening)·g;  θ ← θ - lr·b.
// Parameters without a gradient are skipped, as in PyTorch.

/// Something that updates parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The learning rate used by the next `step()`; schedules set it once per epoch.
    var learningRate: Float { get set }
    /// The parameters this optimizer updates.
    var parameters: [Variable] { get }
    /// Applies one update from the parameters' current gradients.
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Adam with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, L2 weight decay 0).
/// pix2pix and CycleGAN use `Adam(parameters, learningRate: 2e-4, beta1: 0.5)`.
public final class Adam: Optimizer {
    /// The learning rate used by the next step.
    public var learningRate: Float
    /// The parameters this optimizer updates.
    public let parameters: [Variable]
    /// Decay rate of the first-moment estimate.
    public let beta1: Float
    /// Decay rate of the second-moment estimate.
    public let beta2: Float
    /// Added to the denominator for numerical stability.
    public let epsilon: Float
    /// L2 penalty coefficient added to the gradient (PyTorch `weight_decay`).
    public let weightDecay: Float
    /// The number of steps taken so far (t in the bias corrections).
    public internal(set) var stepCount = 0
    /// First-moment estimates, one array per parameter (saved in checkpoints; see `AdamState`).
    public internal(set) var firstMoments: [[Float]]
    /// Second-moment estimates, one array per parameter (saved in checkpoints; see `AdamState`).
    public internal(set) var secondMoments: [[Float]]

    /// Creates an Adam optimizer over `parameters`.
    public init(_ parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        (self.beta1, self.beta2, self.epsilon, self.weightDecay) = (beta1, beta2, epsilon, weightDecay)
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        secondMoments = firstMoments
    }

    /// Applies one Adam update.
    public func step() {
        averageGradientsOverRanks(parameters)   // data-parallel runs: the mean of the ranks' gradients
        stepCount += 1
        let correction1 = 1 - Float(Double(beta1).power(stepCount))
        let correction2 = 1 - Float(Double(beta2).power(stepCount))
        for (k, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            precondition(grad.shape == parameter.value.shape,
                         "Adam: gradient shape \(grad.shape) differs from parameter shape \(parameter.value.shape)")
            let (b1, b2, eps, decay, lr) = (beta1, beta2, epsilon, weightDecay, learningRate)
            grad.scalars.withUnsafeBufferPointer { g in
                firstMoments[k].withUnsafeMutableBufferPointer { m in
                    secondMoments[k].withUnsafeMutableBufferPointer { v in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                            let gp = SharedConstPointer(g.baseAddress!), mp = SharedPointer(m.baseAddress!)
                            let vp = SharedPointer(v.baseAddress!), tp = SharedPointer(theta.baseAddress!)
                            parallelChunks(g.count) { range in  // gk_adam_step: the update above, fused (adam.c)
                                let i = range.lowerBound
                                gk_adam_step(range.count, gp.base + i, tp.base + i, mp.base + i, vp.base + i, b1, b2,
                                             eps, decay, lr, correction1, correction2)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One Adam update of `count` elements on one forced kernel path (1 portable, 3 AVX-512; see `gk_adam_step`):
/// moments and parameter updated in place; false if the CPU lacks the path. For tests.
func adamStepKernel(path: Int32, count: Int, grad: UnsafePointer<Float>, theta: UnsafeMutablePointer<Float>,
                    m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, beta1: Float, beta2: Float,
                    epsilon: Float, weightDecay: Float, learningRate: Float, step: Int) -> Bool {
    let correction1 = 1 - Float(Double(beta1).power(step)), correction2 = 1 - Float(Double(beta2).power(step))
    return gk_adam_step_with_path(path, count, grad, theta, m, v, beta1, beta2, epsilon, weightDecay, learningRate,
                                  correction1, correction2) == 0
}

/// Stochastic gradient descent with optional momentum, dampening and L2 weight decay (PyTorch semantics).
public final class SGD: Optimizer {
    /// The learning rate used by the next step.
    public var learningRate: Float
    /// The parameters this optimizer updates.
    public let parameters: [Variable]
    /// Momentum factor μ (0 disables momentum).
    public let momentum: Float
    /// Dampening applied to the gradient in the momentum update.
    public let dampening: Float
    /// L2 penalty coefficient added to the gradient (PyTorch `weight_decay`).
    public let weightDecay: Float
    private var buffers: [[Float]?]

    /// Creates an SGD optimizer over `parameters`.
    public init(_ parameters: [Variable], learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        (self.momentum, self.dampening, self.weightDecay) = (momentum, dampening, weightDecay)
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// Applies one SGD update.
    public func step() {
        averageGradientsOverRanks(parameters)
        for (k, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            var direction = (0..<grad.count).map { grad.scalars[$0] + weightDecay * parameter.value.scalars[$0] }
            if momentum != 0 {
                if var buffer = buffers[k] {
                    for i in 0..<buffer.count { buffer[i] = momentum * buffer[i] + (1 - dampening) * direction[i] }
                    buffers[k] = buffer
                    direction = buffer
                } else {
                    buffers[k] = direction
                }
            }
            for i in 0..<direction.count { parameter.value.scalars[i] -= learningRate * direction[i] }
        }
    }
}

extension Double {
    /// `self` raised to a non-negative integer power.
    func power(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= self }
        return result
    }
}
