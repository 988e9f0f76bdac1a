/// The network initialisation schemes of pix2pix/CycleGAN's `init_weights`.
public enum WeightInitialization: String, Sendable, CaseIterable {
    /// Conv/Linear weights N(0, gain²).
    case normal
    /// Conv/Linear weights Xavier-normal with the given gain.
    case xavier
    /// Conv/Linear weights Kaiming-normal (a = 0, fan_in).
    case kaiming
}

extension Module {
    /// Calls `visit` on this module and every descendant, parents before children.
    public func visit(_ visit: (Module) -> Void) {
        visit(self)
        for child in children { child.module.visit(visit) }
    }

    /// Re-initialises the network as pix2pix/CycleGAN's `init_weights` does: Conv2d, ConvTranspose2d and
    /// Linear weights by `scheme` and their biases to 0; BatchNorm2d weights N(1, gain²) and biases 0.
    public func initializeWeights(_ scheme: WeightInitialization, gain: Float = 0.02, using generator: inout SeededGenerator) {
        let rule: Initializer
        switch scheme {
        case .normal: rule = .normal(mean: 0, std: gain)
        case .xavier: rule = .xavierNormal(gain: gain)
        case .kaiming: rule = .kaimingNormal(a: 0, mode: .fanIn)
        }
        var layers: [Module] = []
        visit { layers.append($0) }
        for layer in layers {
            switch layer {
            case let conv as Conv2d:
                conv.weight.value = rule.tensor(conv.weight.shape, using: &generator)
                conv.bias?.value = .zeros(conv.bias!.shape)
            case let conv as ConvTranspose2d:
                conv.weight.value = rule.tensor(conv.weight.shape, using: &generator)
                conv.bias?.value = .zeros(conv.bias!.shape)
            case let dense as Linear:
                dense.weight.value = rule.tensor(dense.weight.shape, using: &generator)
                dense.bias?.value = .zeros(dense.bias!.shape)
            case let norm as BatchNorm2d:
                if let weight = norm.weight { weight.value = Tensor.randomNormal(weight.shape, mean: 1, std: gain, using: &generator) }
                norm.bias?.value = .zeros(norm.bias!.shape)
            default:
                break
            }
        }
    }
}
