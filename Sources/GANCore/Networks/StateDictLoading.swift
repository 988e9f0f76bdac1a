// Glue between modules and weight files: PyTorch's load_state_dict / state_dict over `StateDict`.
//
// Loading accepts the official junyanz CycleGAN/pix2pix checkpoints. Those saved with PyTorch < 0.4 carry
// `running_mean` / `running_var` (and later `num_batches_tracked`) for InstanceNorm2d layers that have no
// such buffers; junyanz's `__patch_instance_norm_state_dict` deletes them before loading, and so do we.
// BatchNorm checkpoints from before PyTorch 0.4.1 have no `num_batches_tracked`; PyTorch accepts that
// (the count is only used when momentum is None), and so do we, keeping the layer's current count.

/// Why a state dict could not be loaded into a module. Nothing is assigned when loading fails.
public enum StateDictLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The module has parameters or buffers with these names that the state dict lacks.
    case missingKeys([String])
    /// The state dict has tensors with these names that the module does not (strict loading only).
    case unexpectedKeys([String])
    /// The tensor `name` has shape `actual` in the state dict but `expected` in the module.
    case shapeMismatch(name: String, expected: [Int], actual: [Int])
    /// One of the above, met while loading the weight file `path`.
    indirect case inFile(path: String, error: StateDictLoadError)

    /// A message naming the offending tensors.
    public var description: String {
        switch self {
        case let .missingKeys(names):
            return "state dict is missing \(names.count) tensor(s) of the module: \(names.joined(separator: ", "))"
        case let .unexpectedKeys(names):
            return "state dict has \(names.count) tensor(s) the module does not: \(names.joined(separator: ", "))"
        case let .shapeMismatch(name, expected, actual):
            return "tensor '\(name)' has shape \(actual) in the state dict, but the module expects \(expected)"
        case let .inFile(path, error):
            return "\(path): \(error)"
        }
    }
}

extension Module {
    /// The module's parameters and buffers as a state dict, in PyTorch's order and names (`namedState()`), ready to be written
    /// with `SafeTensors.write`. Counts named `num_batches_tracked` are tagged `.i64`, as PyTorch stores them.
    public func stateDict() -> StateDict {
        var dict = StateDict()
        for (name, variable) in namedState() {
            let dtype: WeightDType = name.hasSuffix("num_batches_tracked") ? .i64 : .f32
            dict[name] = TensorData(shape: variable.shape, values: variable.value.scalars, dtype: dtype)
        }
        return dict
    }

    /// Replaces every parameter and buffer with the tensor of the same name in `stateDict`, like PyTorch's
    /// `load_state_dict`. Checks everything before assigning anything.
    ///
    /// Keys that old PyTorch versions wrote for `InstanceNorm2d` (`running_mean`, `running_var`,
    /// `num_batches_tracked`) are dropped, and a missing `num_batches_tracked` of a `BatchNorm2d` is accepted,
    /// so official junyanz CycleGAN/pix2pix checkpoints load as they are.
    /// - Parameter strict: also reject tensors the module does not have (missing ones are always rejected).
    /// - Throws: `StateDictLoadError.missingKeys` naming every absent tensor, `.unexpectedKeys` (strict only)
    ///   naming every extra one, or `.shapeMismatch` naming the first tensor whose shape differs.
    public func load(_ stateDict: StateDict, strict: Bool = true) throws(StateDictLoadError) {
        let targets = namedState()
        let known = Set(targets.map(\.name))
        let unexpected = stateDict.names.filter { !known.contains($0) && !isLegacyInstanceNormKey($0) }
        if strict && !unexpected.isEmpty { throw .unexpectedKeys(unexpected) }
        var missing: [String] = []
        var assignments: [(Variable, Tensor)] = []
        for (name, variable) in targets {
            guard let data = stateDict[name] else {
                if !isOptionalBatchCount(name) { missing.append(name) }
                continue
            }
            guard data.shape == variable.shape else {
                throw .shapeMismatch(name: name, expected: variable.shape, actual: data.shape)
            }
            assignments.append((variable, Tensor(shape: data.shape, scalars: data.values)))
        }
        if !missing.isEmpty { throw .missingKeys(missing) }
        for (variable, value) in assignments { variable.value = value }
    }

    /// Loads a safetensors file or PyTorch checkpoint (`.pth`) into the module with `load(_:strict:)`.
    /// - Throws: `WeightFileError` when the file cannot be read, `StateDictLoadError` when it does not fit.
    public func load(contentsOf path: String, strict: Bool = true) throws {
        let stateDict = try StateDict(contentsOf: path)
        do { try load(stateDict, strict: strict) } catch { throw StateDictLoadError.inFile(path: path, error: error) }
    }

    /// The descendant at a dotted path of child names (`model.1`), or `nil`.
    func descendant(at path: ArraySlice<Substring>) -> Module? {
        guard let first = path.first else { return self }
        return children.first { $0.name == first }?.module.descendant(at: path.dropFirst())
    }

    /// Whether `key` is a running statistic or batch count of an `InstanceNorm2d` (written by old PyTorch;
    /// junyanz `__patch_instance_norm_state_dict` removes these).
    private func isLegacyInstanceNormKey(_ key: String) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard let leaf = parts.last, ["running_mean", "running_var", "num_batches_tracked"].contains(leaf) else { return false }
        return descendant(at: parts.dropLast()) is InstanceNorm2d
    }

    /// Whether `name` is the `num_batches_tracked` of a `BatchNorm2d`, which checkpoints from before
    /// PyTorch 0.4.1 do not contain.
    private func isOptionalBatchCount(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.last == "num_batches_tracked" else { return false }
        return descendant(at: parts.dropLast()) is BatchNorm2d
    }
}
