/// A node of the reverse-mode autodiff graph: a tensor value, the nodes it was computed from,
/// and how to send a gradient back to them.
///
/// Leaves created with `requiresGrad: true` are trainable parameters: `backward()` adds into
/// their `grad`, so a parameter used several times in one step (CycleGAN calls each generator
/// three times) receives the sum of all its uses, and gradients keep accumulating across
/// `backward()` calls until `zeroGrad()`.
///
/// `Variable` has reference identity. It is `@unchecked Sendable` so that modules can be
/// handed between tasks, but it is not synchronised: mutate a graph from one thread at a time.
public final class Variable: @unchecked Sendable {
    /// The current value. Optimizers and weight loading replace it in place.
    public var value: Tensor { didSet { version &+= 1 } }
    /// Counts changes of `value` (optimizer steps, weight loads), so that data derived from it
    /// can tell whether it is still current.
    public private(set) var version = 0
    /// Winograd-transformed weights computed from `value` (see `winogradConv2d`).
    var winogradWeightsCache: WinogradWeights?
    /// The accumulated gradient of a leaf that requires grad; `nil` until the first backward pass.
    public var grad: Tensor?
    /// Whether gradients flow to (or through) this node.
    public private(set) var requiresGrad: Bool
    /// The nodes this one was computed from; empty for leaves.
    let parents: [Variable]
    /// Maps the gradient of this node's value to one gradient per parent (`nil`: no gradient).
    let backwardFunction: (@Sendable (Tensor) -> [Tensor?])?
    /// The op that produced this node, for error messages and debugging.
    public let opName: String

    /// Creates a leaf. Pass `requiresGrad: true` for a trainable parameter.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.backwardFunction = nil
        self.opName = "leaf"
    }

    /// Creates an interior node. Records the parents only when gradient recording is on and
    /// some parent requires grad; otherwise the result is a constant leaf.
    init(_ value: Tensor, op: String, parents: [Variable], backward: @escaping @Sendable (Tensor) -> [Tensor?]) {
        self.value = value
        self.opName = op
        if GradientMode.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            self.requiresGrad = true
            self.parents = parents
            self.backwardFunction = backward
        } else {
            self.requiresGrad = false
            self.parents = []
            self.backwardFunction = nil
        }
    }

    /// The shape of `value`.
    public var shape: [Int] { value.shape }

    /// Whether this node was created directly rather than computed by an op.
    public var isLeaf: Bool { backwardFunction == nil }

    /// A new constant leaf sharing this value: gradients stop here.
    public func detach() -> Variable { Variable(value, requiresGrad: false) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Freezes (`false`) or unfreezes (`true`) a leaf, as PyTorch's `requires_grad_`: ops treat a
    /// frozen parameter as a constant, so no gradient is computed for it (CycleGAN freezes the
    /// discriminators while the generators step). Interior nodes cannot be changed.
    public func setRequiresGrad(_ requiresGrad: Bool) {
        precondition(isLeaf, "setRequiresGrad: only leaves can be frozen or unfrozen (this is the output of \(opName))")
        self.requiresGrad = requiresGrad
    }

    /// Back-propagates from this node, seeding it with `seed` (ones by default, the usual choice
    /// for a scalar loss), and adds the results into the `grad` of every reachable leaf that
    /// requires grad.
    public func backward(seed: Tensor? = nil) {
        let start = seed ?? Tensor.ones(value.shape)
        precondition(start.shape == value.shape,
                     "backward: seed shape \(start.shape) differs from value shape \(value.shape)")
        guard requiresGrad else { return }
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        for node in order.reversed() {
            guard let gradient = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let backwardFunction = node.backwardFunction else {
                if node.grad == nil { node.grad = gradient } else { node.grad!.accumulate(gradient) }
                continue
            }
            let parentGradients = backwardFunction(gradient)
            for (parent, parentGradient) in zip(node.parents, parentGradients) {
                guard parent.requiresGrad, let parentGradient else { continue }
                precondition(parentGradient.shape == parent.value.shape,
                             "backward(\(node.opName)): gradient shape \(parentGradient.shape) differs from input shape \(parent.value.shape)")
                let key = ObjectIdentifier(parent)
                if pending[key] == nil { pending[key] = parentGradient } else { pending[key]!.accumulate(parentGradient) }
            }
        }
    }

    /// Nodes reachable from `self` that require grad, each after all of its parents.
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for parent in node.parents where parent.requiresGrad && !visited.contains(ObjectIdentifier(parent)) {
                stack.append((parent, false))
            }
        }
        return order
    }
}

/// A trainable tensor: a leaf `Variable` that requires grad.
public typealias Parameter = Variable

extension Variable {
    /// Creates a trainable parameter leaf.
    public static func parameter(_ value: Tensor) -> Variable { Variable(value, requiresGrad: true) }
}
