/// Errors from reading or writing a module's named state.
public enum ModuleError: Error, Equatable, Sendable {
    /// No parameter or buffer has this dotted name.
    case unknownName(String)
    /// The values given for `name` do not fit its shape.
    case shapeMismatch(name: String, expected: [Int], got: [Int])
    /// The number of values does not match the product of the shape given with them.
    case countMismatch(name: String, shape: [Int], count: Int)
}

/// A network building block holding parameters, buffers and child modules, like `torch.nn.Module`.
///
/// Subclasses override `ownParameters`, `ownBuffers` and `children` to list their state in PyTorch's
/// names, and `forward(_:)` when they take a single tensor. Nested names are joined with dots, so a
/// module stored as child `model` holding a `Sequential` whose child `1` is a `Conv2d` exposes
/// `model.1.weight`, exactly the key in a PyTorch `state_dict`.
///
/// Modules are reference types and not synchronised: use one from one thread at a time.
open class Module: @unchecked Sendable {
    /// Whether the module is in training mode (batch statistics, dropout, power iteration).
    public private(set) var isTraining = true

    /// Creates a module in training mode.
    public init() {}

    /// This module's own trainable parameters with their local names, in PyTorch's registration order.
    open var ownParameters: [(name: String, parameter: Variable)] { [] }

    /// This module's own non-trainable state (running statistics, spectral-norm vectors).
    open var ownBuffers: [(name: String, buffer: Variable)] { [] }

    /// The child modules with their local names.
    open var children: [(name: String, module: Module)] { [] }

    /// Maps one input to one output. Modules with other signatures (labels, several inputs) provide their own
    /// `callAsFunction` and leave this unimplemented.
    open func forward(_ input: Variable) -> Variable {
        preconditionFailure("\(type(of: self)) does not take a single tensor input")
    }

    /// Calls `forward(_:)`.
    public func callAsFunction(_ input: Variable) -> Variable { forward(input) }

    /// Puts this module and all of its descendants in training (`true`) or evaluation (`false`) mode.
    public func train(_ training: Bool = true) {
        isTraining = training
        for child in children { child.module.train(training) }
    }

    /// Puts this module and all of its descendants in evaluation mode.
    public func eval() { train(false) }

    /// Every parameter with its dotted name, own parameters first, then each child's in order.
    public func namedParameters() -> [(name: String, parameter: Variable)] {
        var result = ownParameters
        for (childName, child) in children {
            result += child.namedParameters().map { ("\(childName).\($0.name)", $0.parameter) }
        }
        return result
    }

    /// Every buffer with its dotted name, own buffers first, then each child's in order.
    public func namedBuffers() -> [(name: String, buffer: Variable)] {
        var result = ownBuffers
        for (childName, child) in children {
            result += child.namedBuffers().map { ("\(childName).\($0.name)", $0.buffer) }
        }
        return result
    }

    /// The distinct parameters (a parameter shared by two children appears once), for an optimizer.
    public func parameters() -> [Variable] {
        var seen = Set<ObjectIdentifier>()
        return namedParameters().map(\.parameter).filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// Freezes (`false`) or unfreezes (`true`) every parameter, as junyanz's `set_requires_grad`.
    public func setRequiresGrad(_ requiresGrad: Bool) { for p in parameters() { p.setRequiresGrad(requiresGrad) } }

    /// Replaces the value of the parameter or buffer called `name` with `scalars` laid out in `shape`.
    /// - Throws: `ModuleError.unknownName` when nothing has that name, `.countMismatch` when `scalars`
    ///   does not fill `shape`, and `.shapeMismatch` when `shape` differs from the target's shape.
    public func assign(_ scalars: [Float], shape: [Int], to name: String) throws(ModuleError) {
        guard scalars.count == shape.reduce(1, *) else {
            throw .countMismatch(name: name, shape: shape, count: scalars.count)
        }
        let target = namedParameters().first { $0.name == name }?.parameter
            ?? namedBuffers().first { $0.name == name }?.buffer
        guard let target else { throw .unknownName(name) }
        guard target.shape == shape else { throw .shapeMismatch(name: name, expected: target.shape, got: shape) }
        target.value = Tensor(shape: shape, scalars: scalars)
    }
}

extension Module {
    /// Parameters and buffers together, in `state_dict` order: own parameters, own buffers, then each child's.
    public func namedState() -> [(name: String, variable: Variable)] {
        var result = ownParameters.map { ($0.name, $0.parameter) } + ownBuffers.map { ($0.name, $0.buffer) }
        for (childName, child) in children {
            result += child.namedState().map { ("\(childName).\($0.name)", $0.variable) }
        }
        return result
    }
}
