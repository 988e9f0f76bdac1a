import Foundation
import Testing
@testable import GANCore

// PyTorch parity: every file in Fixtures/parity (written by tools/make_parity_fixtures.py, reference in float64)
// is rebuilt here from its `config`, run forward and backward, and every stored tensor is compared with
// max|ours - ref| / max(max|ref|, 1e-12) <= 1e-4. Every tensor in a fixture must be used or compared.

/// Locates the parity fixtures.
enum ParityFixtures {
    /// Fixtures/parity.
    static var directory: String { WeightFixtures.repoRoot() + "/Fixtures/parity" }

    /// Fixtures/parity-inpaint (written by tools/make_inpaint_fixtures.py: dilated and gated convolutions).
    static var inpaintDirectory: String { WeightFixtures.repoRoot() + "/Fixtures/parity-inpaint" }

    /// Every file in Fixtures/parity (or `folder`), sorted.
    static func allFiles(in folder: String? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder ?? directory)) ?? []).sorted()
    }

    /// Case names (file names without `.safetensors`) of both fixture folders, sorted.
    static func caseNames() -> [String] {
        (allFiles() + allFiles(in: inpaintDirectory)).filter { $0.hasSuffix(".safetensors") }
            .map { String($0.dropLast(".safetensors".count)) }.sorted()
    }

    /// The file of case `name`, in whichever folder holds it.
    static func path(of name: String) -> String {
        let inpaint = inpaintDirectory + "/\(name).safetensors"
        return FileManager.default.fileExists(atPath: inpaint) ? inpaint : directory + "/\(name).safetensors"
    }

    /// The default bound on the relative error of every tensor.
    static let tolerance: Float = 1e-4

    /// Fixture-specific bounds, each with the measured value and the reason. Empty: every fixture meets 1e-4.
    static let toleranceOverrides: [String: Float] = [:]
}

/// One fixture: its tensors, its config, and which tensors have been used.
final class ParityCase {
    let name: String
    let config: [String: Any]
    private let tensors: StateDict
    private(set) var used = Set<String>()
    /// Relative error of each compared tensor, in comparison order.
    private(set) var errors: [(key: String, ratio: Float)] = []
    /// Problems other than tolerance (missing gradients, shape mismatches), as messages.
    private(set) var problems: [String] = []

    init(name: String) throws {
        self.name = name
        let file = try SafeTensors.read(contentsOf: ParityFixtures.path(of: name))
        tensors = file.tensors
        let json = try #require(file.metadata["config"], "\(name): no config metadata")
        config = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    var op: String { config["op"] as? String ?? "?" }
    var keys: [String] { tensors.names }
    func has(_ key: String) -> Bool { tensors[key] != nil }

    /// The stored tensor `key`, marked as used.
    func tensor(_ key: String) -> Tensor {
        guard let data = tensors[key] else {
            problems.append("missing tensor \(key)")
            return Tensor(shape: [0], scalars: [])
        }
        used.insert(key)
        return Tensor(shape: data.shape, scalars: data.values)
    }

    /// The `param.*` tensors as a state dict without the prefix, marked as used.
    func parameterStateDict() throws -> StateDict {
        var dict = StateDict()
        for key in keys where key.hasPrefix("param.") {
            dict[String(key.dropFirst("param.".count))] = tensors[key]
            used.insert(key)
        }
        return dict
    }

    func int(_ key: String) -> Int { (config[key] as? NSNumber)?.intValue ?? { problems.append("config lacks \(key)"); return 0 }() }
    func float(_ key: String) -> Float { (config[key] as? NSNumber)?.floatValue ?? { problems.append("config lacks \(key)"); return 0 }() }
    func ints(_ key: String) -> [Int] { (config[key] as? [NSNumber])?.map(\.intValue) ?? { problems.append("config lacks \(key)"); return [] }() }
    func string(_ key: String) -> String { config[key] as? String ?? { problems.append("config lacks \(key)"); return "" }() }
    func bool(_ key: String) -> Bool { (config[key] as? NSNumber)?.boolValue ?? { problems.append("config lacks \(key)"); return false }() }

    /// Compares `ours` with the stored `key`, recording max|ours - ref| / max(max|ref|, 1e-12).
    ///
    /// With `scaleKey`, the reference is analytically zero (stored as float64 rounding noise), so a ratio to its own
    /// maximum is meaningless; the error is then taken relative to the maximum of the tensor `scaleKey` (the
    /// gradient of the same layer's weight), after checking that the reference is indeed negligible against it.
    func compare(_ key: String, _ ours: Tensor?, scaleKey: String? = nil) {
        let reference = tensor(key)
        guard let ours else { problems.append("\(key): we computed nothing (no gradient?)"); return }
        guard ours.shape == reference.shape else {
            problems.append("\(key): shape \(ours.shape), reference \(reference.shape)")
            return
        }
        var maxDiff: Float = 0, maxRef: Float = 0
        for (a, b) in zip(ours.scalars, reference.scalars) {
            maxDiff = max(maxDiff, abs(a - b))
            maxRef = max(maxRef, abs(b))
        }
        if ours.scalars.contains(where: { !$0.isFinite }) { maxDiff = .infinity }
        if let scaleKey, let scaleData = tensors[scaleKey] {
            let scale = scaleData.values.map(abs).max() ?? 0
            if !(maxRef <= 1e-10 * scale) { problems.append("\(key): reference \(maxRef) is not negligible against \(scaleKey) (\(scale))") }
            errors.append(("\(key) [zero; vs \(scaleKey)]", maxDiff / max(scale, 1e-12)))
        } else {
            errors.append((key, maxDiff / max(maxRef, 1e-12)))
        }
    }

    var worst: (key: String, ratio: Float) { errors.max { $0.ratio < $1.ratio } ?? ("-", 0) }
    var unused: [String] { keys.filter { !used.contains($0) } }
}

/// Rebuilds each fixture's op from its config and checks it.
enum ParityRunner {
    /// The ops this runner can rebuild, i.e. every `config.op` a fixture may name.
    static let supportedOps: Set<String> = [
        "conv2d", "conv_transpose2d", "reflection_pad2d", "replication_pad2d", "instance_norm", "batch_norm",
        "conditional_batch_norm", "linear", "embedding", "relu", "leaky_relu", "tanh", "sigmoid", "upsample_nearest",
        "upsample_bilinear", "avg_pool2d", "concat", "add", "mul", "sum", "mean", "mse_loss", "l1_loss", "bce_with_logits",
        "gan_objective", "spectral_norm_conv2d", "adam", "sgd_momentum", "resnet_generator", "unet_generator",
        "nlayer_discriminator", "gated_conv2d",
    ]

    static func run(_ c: ParityCase) throws {
        var rng = SeededGenerator(seed: 7)
        switch c.op {
        case "conv2d":
            let w = c.tensor("param.weight").shape
            let dilation = c.config["dilation"] == nil ? 1 : c.int("dilation")
            let m = Conv2d(inChannels: w[1], outChannels: w[0], kernelSize: w[2], stride: c.int("stride"), padding: c.int("padding"),
                           dilation: dilation, bias: c.has("param.bias"), using: &rng)
            try check(c, module: m)
        case "gated_conv2d":
            let w = c.tensor("param.conv.weight").shape
            let activation: Module = c.string("activation") == "none" ? Identity() : LeakyReLU(slope: c.float("slope"))
            let m = GatedConv2d(inChannels: w[1], outChannels: w[0] / 2, kernelSize: w[2], stride: c.int("stride"),
                                padding: c.int("padding"), dilation: c.int("dilation"), activation: activation, using: &rng)
            try check(c, module: m)
        case "conv_transpose2d":
            let w = c.tensor("param.weight").shape
            let m = ConvTranspose2d(inChannels: w[0], outChannels: w[1], kernelSize: w[2], stride: c.int("stride"),
                                    padding: c.int("padding"), outputPadding: c.int("output_padding"),
                                    bias: c.has("param.bias"), using: &rng)
            try check(c, module: m)
        case "reflection_pad2d", "replication_pad2d":
            let p = c.ints("padding")  // torch order: left, right, top, bottom
            let m = Pad2d(Padding2D(left: p[0], right: p[1], top: p[2], bottom: p[3]),
                          mode: c.op == "reflection_pad2d" ? .reflect : .replicate)
            try check(c, module: m)
        case "instance_norm":
            try check(c, module: InstanceNorm2d(channels: c.tensor("input.0").shape[1], affine: c.bool("affine"), eps: c.float("eps")))
        case "batch_norm":
            let training = c.bool("training")
            let m = BatchNorm2d(channels: c.tensor("input.0").shape[1], momentum: training ? c.float("momentum") : 0.1, eps: c.float("eps"))
            m.train(training)
            try check(c, module: m)
        case "conditional_batch_norm":
            let gamma = c.tensor("param.gamma.weight"), beta = c.tensor("param.beta.weight")
            let m = ConditionalBatchNorm2d(channels: gamma.shape[1], numClasses: c.int("classes"), eps: c.float("eps"))
            m.weights.weight.value = gamma
            m.biases.weight.value = beta
            let labels = c.ints("labels")
            try check(c, params: ["gamma.weight": m.weights.weight, "beta.weight": m.biases.weight]) { m($0[0], labels: labels) }
        case "linear":
            let w = c.tensor("param.weight").shape
            try check(c, module: Linear(inFeatures: w[1], outFeatures: w[0], bias: c.has("param.bias"), using: &rng))
        case "embedding":
            let table = Variable.parameter(c.tensor("param.weight"))
            let indices = c.ints("indices")
            try check(c, params: ["weight": table]) { _ in embedding(indices, table: table) }
        case "relu": try check(c, module: ReLU())
        case "leaky_relu": try check(c, module: LeakyReLU(slope: c.float("slope")))
        case "tanh": try check(c, module: Tanh())
        case "sigmoid": try check(c, module: Sigmoid())
        case "upsample_nearest": try check(c, module: Upsample(scale: c.int("scale"), mode: .nearest))
        case "upsample_bilinear":
            #expect(c.bool("align_corners") == false, "\(c.name): only align_corners=False is implemented")
            try check(c, module: Upsample(scale: c.int("scale"), mode: .bilinear))
        case "avg_pool2d":
            try check(c, module: AvgPool2d(kernel: c.int("kernel"), stride: c.int("stride"), padding: c.int("padding")))
        case "concat":
            #expect(c.int("dim") == 1)
            try check(c) { concatChannels($0) }
        case "add": try check(c) { $0[0] + $0[1] }
        case "mul": try check(c) { $0[0] * $0[1] }
        case "sum": try check(c) { reshape(sum($0[0]), to: [1]) }
        case "mean": try check(c) { reshape(mean($0[0]), to: [1]) }
        case "mse_loss": try check(c) { reshape(mseLoss($0[0], $0[1]), to: [1]) }
        case "l1_loss": try check(c) { reshape(l1Loss($0[0], $0[1]), to: [1]) }
        case "bce_with_logits": try check(c) { reshape(bceWithLogitsLoss($0[0], $0[1]), to: [1]) }
        case "gan_objective":
            let objective = try #require(GANObjective(rawValue: c.string("objective")), "\(c.name): unknown objective")
            try check(c) { x in
                let d = objective.discriminatorLoss(realLogits: x[0], fakeLogits: x[1])
                let g = objective.generatorLoss(fakeLogits: x[1])
                return reshape(concatChannels([reshape(d, to: [1, 1, 1, 1]), reshape(g, to: [1, 1, 1, 1])]), to: [2])
            }
        case "spectral_norm_conv2d":
            let w = c.tensor("param.weight_orig").shape
            let m = Conv2d(inChannels: w[1], outChannels: w[0], kernelSize: w[2], stride: c.int("stride"), padding: c.int("padding"),
                           bias: c.has("param.bias"), using: &rng)
            m.applySpectralNorm(powerIterations: c.int("power_iterations"), using: &rng)
            // u_before is the u the forward starts from: it must be what loading param.weight_u gave us.
            try check(c, module: m, afterLoad: { c.compare("u_before", m.spectralNorm!.u.value) })
        case "adam", "sgd_momentum":
            try checkOptimizer(c)
        case "resnet_generator":
            let options = NetworkOptions(inputChannels: c.int("input_nc"), outputChannels: c.int("output_nc"), ngf: c.int("ngf"),
                                         norm: try #require(NormKind(rawValue: c.string("norm"))),
                                         padding: try #require(PaddingKind(rawValue: c.string("padding"))),
                                         resnetBlocks: c.int("n_blocks"))
            try check(c, module: ResnetGenerator(options: options, using: &rng))
        case "unet_generator":
            let options = NetworkOptions(inputChannels: c.int("input_nc"), outputChannels: c.int("output_nc"), ngf: c.int("ngf"),
                                         norm: try #require(NormKind(rawValue: c.string("norm"))), unetDowns: c.int("num_downs"))
            let m = UnetGenerator(options: options, using: &rng)
            m.train(c.bool("training"))
            try check(c, module: m)
        case "nlayer_discriminator":
            let options = NetworkOptions(inputChannels: c.int("input_nc"), ndf: c.int("ndf"),
                                         norm: try #require(NormKind(rawValue: c.string("norm"))),
                                         discriminatorLayers: c.int("n_layers"))
            try check(c, module: NLayerDiscriminator(options: options, using: &rng))
        default:
            Issue.record("\(c.name): no handler for op \(c.op)")
        }
    }

    /// Runs a module (parameters loaded from `param.*` with strict `load`) or a function of the inputs with the
    /// trainable tensors `params`, then compares output, input gradients, parameter gradients and `after.*` buffers.
    static func check(_ c: ParityCase, module: Module? = nil, params: [String: Variable] = [:],
                      _ forward: (([Variable]) -> Variable)? = nil, afterLoad: () -> Void = {}) throws {
        var trainable = params
        if let module {
            let state = try c.parameterStateDict()
            if !state.isEmpty {
                #expect(Set(module.namedState().map(\.name)) == Set(state.names), "\(c.name): parameter names differ from PyTorch's")
                try module.load(state, strict: true)
            }
            for (name, p) in module.namedParameters() { trainable[name] = p }
        }
        afterLoad()
        var inputs: [Variable] = []
        while c.has("input.\(inputs.count)") {
            let i = inputs.count
            inputs.append(Variable(c.tensor("input.\(i)"), requiresGrad: c.has("grad.input.\(i)")))
        }
        let output = forward.map { $0(inputs) } ?? module!(inputs[0])
        c.compare("output", output.value)
        let seed = c.tensor("grad_output")
        guard seed.shape == output.shape else { return }  // compare("output") has recorded the shape problem
        output.backward(seed: seed)  // d/d· of sum(output * grad_output)
        for (i, x) in inputs.enumerated() where c.has("grad.input.\(i)") { c.compare("grad.input.\(i)", x.grad) }
        let zeroBiases = module.map(biasesFeedingInstanceNorm) ?? []
        for key in c.keys where key.hasPrefix("grad.") && !key.hasPrefix("grad.input.") {
            let name = String(key.dropFirst("grad.".count))
            guard let p = trainable[name] else { c.compare(key, nil); continue }
            let scaleKey = zeroBiases.contains(name) ? "grad." + name.dropLast("bias".count) + "weight" : nil
            c.compare(key, p.grad, scaleKey: scaleKey)
        }
        if let module {
            let state = Dictionary(module.namedState().map { ($0.name, $0.variable) }, uniquingKeysWith: { a, _ in a })
            for key in c.keys where key.hasPrefix("after.") {
                c.compare(key, state[String(key.dropFirst("after.".count))]?.value)
            }
        }
    }

    /// Names of the biases of convolutions that feed an affine-free `InstanceNorm2d` directly. The norm subtracts
    /// each channel's mean, so the loss does not depend on such a bias: its exact gradient is 0, and the float64
    /// reference holds only rounding noise (at most 4e-14 in these fixtures) while ours holds float32 noise (~1e-6).
    static func biasesFeedingInstanceNorm(_ module: Module) -> Set<String> {
        var names = Set<String>()
        func visit(_ m: Module, _ prefix: String) {
            if let sequence = m as? Sequential {
                for (i, layer) in sequence.layers.enumerated().dropLast() {
                    guard let norm = sequence.layers[i + 1] as? InstanceNorm2d, norm.weight == nil else { continue }
                    if (layer as? Conv2d)?.bias != nil || (layer as? ConvTranspose2d)?.bias != nil { names.insert("\(prefix)\(i).bias") }
                }
            }
            for (name, child) in m.children { visit(child, "\(prefix)\(name).") }
        }
        visit(module, "")
        return names
    }

    /// Three optimizer steps on the stored gradients; the parameter is compared after each.
    static func checkOptimizer(_ c: ParityCase) throws {
        let p = Variable.parameter(c.tensor("param"))
        let optimizer: Optimizer
        if c.op == "adam" {
            let betas = (c.config["betas"] as? [NSNumber])?.map(\.floatValue) ?? []
            optimizer = Adam([p], learningRate: c.float("lr"), beta1: betas[0], beta2: betas[1], epsilon: c.float("eps"),
                             weightDecay: c.float("weight_decay"))
        } else {
            optimizer = SGD([p], learningRate: c.float("lr"), momentum: c.float("momentum"), weightDecay: c.float("weight_decay"))
        }
        for step in 0..<3 {
            p.grad = c.tensor("grad.\(step)")
            optimizer.step()
            c.compare("step.\(step)", p.value)
        }
    }
}

@Suite struct ParityTests {
    @Test(arguments: ParityFixtures.caseNames())
    func matchesPyTorch(_ name: String) throws {
        let c = try ParityCase(name: name)
        try ParityRunner.run(c)
        let tolerance = ParityFixtures.toleranceOverrides[name] ?? ParityFixtures.tolerance
        let worst = c.worst
        print("parity \(name): worst \(worst.ratio) at \(worst.key) (\(c.errors.count) tensors, tolerance \(tolerance))")
        if ProcessInfo.processInfo.environment["PARITY_VERBOSE"] != nil {
            for (key, ratio) in c.errors { print("  \(name) \(key): \(ratio)") }
        }
        #expect(c.problems.isEmpty, "\(name): \(c.problems)")
        #expect(!c.errors.isEmpty, "\(name): nothing compared")
        for (key, ratio) in c.errors where !(ratio <= tolerance) {
            Issue.record("\(name): \(key) relative error \(ratio) > \(tolerance)")
        }
        #expect(c.unused.isEmpty, "\(name): tensors neither used nor compared: \(c.unused)")
    }

    /// Every file in Fixtures/parity is a case the parametrised test runs, and every op it names has a handler.
    @Test func fixtureSetIsComplete() throws {
        let files = ParityFixtures.allFiles() + ParityFixtures.allFiles(in: ParityFixtures.inpaintDirectory)
        #expect(files.count >= 45, "expected the 40 fixtures of tools/make_parity_fixtures.py and 5 of make_inpaint_fixtures.py, found \(files.count)")
        #expect(files.allSatisfy { $0.hasSuffix(".safetensors") }, "non-fixture files would be skipped: \(files)")
        let names = ParityFixtures.caseNames()
        #expect(names.count == files.count)
        var ops = Set<String>()
        for name in names {
            let c = try ParityCase(name: name)
            #expect(ParityRunner.supportedOps.contains(c.op), "\(name): op \(c.op) has no handler")
            ops.insert(c.op)
        }
        #expect(ops == ParityRunner.supportedOps, "handlers without fixtures: \(ParityRunner.supportedOps.subtracting(ops))")
    }
}
