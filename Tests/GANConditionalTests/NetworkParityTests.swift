import Foundation
import Testing
import GANCore
@testable import GANConditional

/// The label GAN's whole networks against PyTorch (fixtures by tools/make_conditional_fixtures.py, in
/// Fixtures/parity-conditional): generator with and without its per-scale 3×3 convolutions (conditional batch norm in
/// training mode), projection and AC-GAN discriminators (spectral norm, one power iteration), the projection one also
/// with a 3×3 convolution after each down-sampling. Forward, the gradient of
/// the input and of every parameter, and the buffers after the forward each within 1e-4 of the reference's largest
/// entry.
struct NetworkParityTests {
    static let folder = repositoryRoot + "/Fixtures/parity-conditional"

    /// PyTorch keeps conditional batch norm's statistics in a child `norm`; ours sit on the layer itself.
    static func ours(_ torchName: String) -> String { torchName.replacingOccurrences(of: ".norm.", with: ".") }

    @Test(arguments: ["conditional_generator", "conditional_generator_plain", "projection_discriminator", "acgan_discriminator",
                          "projection_discriminator_deep"])
    func matchesPyTorch(_ name: String) throws {
        let file = try SafeTensors.read(contentsOf: "\(Self.folder)/\(name).safetensors")
        let json = try #require(file.metadata["config"], "\(name): no config")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        func int(_ key: String) throws -> Int { try #require((config[key] as? NSNumber)?.intValue, "\(name): config lacks \(key)") }
        func tensor(_ key: String) throws -> Tensor {
            let data = try #require(file.tensors[key], "\(name): no tensor \(key)")
            return Tensor(shape: data.shape, scalars: data.values)
        }
        let labels = try #require((config["labels"] as? [NSNumber])?.map(\.intValue))
        var configuration = ConditionalGANConfiguration(imageSize: try int("image_size"), channels: try int("channels"), classCount: try int("classes"),
                                                        latentSize: (config["latent"] as? NSNumber)?.intValue ?? 8,
                                                        generatorWidth: try int("width"), discriminatorWidth: try int("width"))
        var random = SeededGenerator(seed: 0)
        let module: Module, forward: (Variable) -> Variable
        if config["op"] as? String == "conditional_generator" {
            configuration.generatorConvsPerScale = try int("convs_per_scale")
            let g = LabelConditionalGenerator(configuration: configuration, using: &random)
            (module, forward) = (g, { g($0, labels: labels) })
        } else {
            let head = try #require(config["head"] as? String, "\(name): no head")
            configuration.discriminatorHead = try #require(ConditionalDiscriminatorHead(rawValue: head))
            configuration.discriminatorConvsPerScale = (config["convs_per_scale"] as? NSNumber)?.intValue ?? 0
            let d = ConditionalDiscriminator(configuration: configuration, using: &random)
            (module, forward) = (d, { x in
                let (logits, classLogits) = d.outputs(x, labels: labels)
                return classLogits.map { concatChannels([reshape(logits, to: [3, 1, 1, 1]), reshape($0, to: [3, configuration.classCount, 1, 1])]) }
                    .map { reshape($0, to: [3, 1 + configuration.classCount]) } ?? logits
            })
        }
        module.train()
        var state = StateDict()
        for key in file.tensors.names where key.hasPrefix("param.") {
            state[Self.ours(String(key.dropFirst("param.".count)))] = file.tensors[key]
        }
        #expect(Set(module.namedState().map(\.name)) == Set(state.names), "\(name): state names differ from PyTorch's")
        try module.load(state, strict: true)

        let x = Variable(try tensor("input.0"), requiresGrad: true)
        let output = forward(x)
        var errors: [(String, Float)] = []
        func compare(_ key: String, _ ours: Tensor?) throws {
            let reference = try tensor(key)
            let mine = try #require(ours, "\(name): nothing computed for \(key)")
            try #require(mine.shape == reference.shape, "\(name) \(key): shape \(mine.shape), reference \(reference.shape)")
            let diff = zip(mine.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
            errors.append((key, diff / max(reference.scalars.map(abs).max() ?? 0, 1e-12)))
        }
        try compare("output", output.value)
        output.backward(seed: try tensor("grad_output"))
        try compare("grad.input.0", x.grad)
        let parameters = Dictionary(module.namedParameters().map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        let stateNow = Dictionary(module.namedState().map { ($0.name, $0.variable) }, uniquingKeysWith: { a, _ in a })
        var gradients = 0
        for key in file.tensors.names where key.hasPrefix("grad.") && key != "grad.input.0" {
            try compare(key, parameters[Self.ours(String(key.dropFirst("grad.".count)))]?.grad)
            gradients += 1
        }
        for key in file.tensors.names where key.hasPrefix("after.") {
            try compare(key, stateNow[Self.ours(String(key.dropFirst("after.".count)))]?.value)
        }
        #expect(gradients == module.namedParameters().count, "\(name): every parameter's gradient is checked")
        let worst = errors.max { $0.1 < $1.1 }!
        #expect(worst.1 <= 1e-4, "\(name): worst \(worst.0) at \(worst.1)")
    }
}
