import Foundation
import Testing
@testable import GANCore

/// The state_dict keys of junyanz's pretrained checkpoints, rebuilt from the published layouts, and the
/// state-dict loading glue (strictness, legacy instance-norm keys, shapes, round trips, a real `.pth`).
@Suite struct NetworkBlocksTests {
    private func names(_ m: Module) -> [String] { m.namedState().map(\.name) }

    @Test func resnet9BlocksHasTheCycleGANCheckpointKeys() {
        var rng = SeededGenerator(seed: 1)
        let net = ResnetGenerator(options: NetworkOptions(ngf: 2), using: &rng)
        var expected = ["model.1", "model.4", "model.7"].flatMap { ["\($0).weight", "\($0).bias"] }
        for block in 10...18 {
            for conv in [1, 5] { expected += ["model.\(block).conv_block.\(conv).weight", "model.\(block).conv_block.\(conv).bias"] }
        }
        expected += ["model.19", "model.22", "model.26"].flatMap { ["\($0).weight", "\($0).bias"] }
        #expect(names(net) == expected)
        #expect(net.namedBuffers().isEmpty)
        #expect(net.model.layers.count == 28)
    }

    @Test func unet256HasThePix2pixCheckpointKeys() {
        var rng = SeededGenerator(seed: 2)
        let net = UnetGenerator(options: NetworkOptions(ngf: 1, norm: .batch, useDropout: true, unetDowns: 8), using: &rng)
        let all = Set(names(net))
        let bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        #expect(all.contains("model.model.0.weight") && !all.contains("model.model.0.bias"))
        #expect(all.contains("model.model.3.weight") && all.contains("model.model.3.bias"))  // outermost upconv has a bias
        #expect(bn.allSatisfy { all.contains("model.model.1.model.2.\($0)") })
        let innermost = "model.model.1" + String(repeating: ".model.3", count: 6)
        #expect(all.contains("\(innermost).model.1.weight") && all.contains("\(innermost).model.3.weight"))
        #expect(bn.allSatisfy { all.contains("\(innermost).model.4.\($0)") })
        #expect(!all.contains("\(innermost).model.3.model.1.weight"))
        // 8 levels: 8 down and 8 up convolutions; 2 norms in each of the 6 intermediate levels, 1 innermost.
        #expect(all.filter { $0.hasSuffix("running_mean") }.count == 13)
        #expect(all.filter { $0.hasSuffix(".weight") }.count == 16 + 13)
    }

    @Test func optionsChangeLayoutsAsJunyanzDoes() {
        var rng = SeededGenerator(seed: 3)
        let dropout = ResnetGenerator(options: NetworkOptions(ngf: 2, useDropout: true, resnetBlocks: 1), using: &rng)
        #expect(names(dropout).contains("model.10.conv_block.6.weight"))
        let zero = ResnetGenerator(options: NetworkOptions(ngf: 2, padding: .zero, resnetBlocks: 1), using: &rng)
        #expect(names(zero).contains("model.10.conv_block.0.weight") && names(zero).contains("model.10.conv_block.3.weight"))
        let replicate = ResnetGenerator(options: NetworkOptions(ngf: 2, padding: .replicate, resnetBlocks: 1), using: &rng)
        #expect(names(replicate) == names(ResnetGenerator(options: NetworkOptions(ngf: 2, resnetBlocks: 1), using: &rng)))
        let plain = ResnetGenerator(options: NetworkOptions(ngf: 2, norm: .none, resnetBlocks: 1), using: &rng)
        #expect(names(plain).filter { $0.hasSuffix("bias") } == ["model.18.bias"])  // junyanz: bias only with instance norm
        let batch = NLayerDiscriminator(options: NetworkOptions(ndf: 2, norm: .batch), using: &rng)
        #expect(names(batch).prefix(5) == ["model.0.weight", "model.0.bias", "model.2.weight", "model.3.weight", "model.3.bias"])

        let x = Variable(Tensor.randomNormal([1, 3, 16, 16], using: &rng))
        for net in [dropout, zero, replicate, plain] { #expect(net(x).shape == [1, 3, 16, 16]) }
        dropout.eval()
        #expect(dropout(x).value == dropout(x).value)
        let unet = UnetGenerator(options: NetworkOptions(ngf: 2, norm: .instance, useDropout: true, unetDowns: 6), using: &rng)
        #expect(names(unet).contains("model.model.1.model.3.model.3.model.3.model.1.bias"))
        #expect(unet(Variable(Tensor.randomNormal([1, 3, 64, 64], using: &rng))).shape == [1, 3, 64, 64])
        let d = NLayerDiscriminator(options: NetworkOptions(inputChannels: 6, ndf: 2), using: &rng)
        #expect(d(Variable(Tensor.randomNormal([2, 6, 32, 32], using: &rng))).shape == [2, 1, 2, 2])
    }

    @Test func stateDictRoundTripsThroughSafeTensors() throws {
        var rng = SeededGenerator(seed: 4)
        let options = NetworkOptions(ngf: 2, norm: .batch, unetDowns: 5)
        let a = UnetGenerator(options: options, using: &rng), b = UnetGenerator(options: options, using: &rng)
        let x = Variable(Tensor.randomNormal([2, 3, 32, 32], using: &rng))
        _ = a(x)  // moves the running statistics and batch counts
        let dict = a.stateDict()
        #expect(dict.names == names(a))
        #expect(dict["model.model.1.model.2.num_batches_tracked"]?.dtype == .i64)
        let bytes = try SafeTensors.encode(dict)
        try b.load(StateDict(bytes: bytes))
        #expect(b.stateDict() == a.stateDict())
        a.eval(); b.eval()
        #expect(a(x).value == b(x).value)
    }

    @Test func loadRejectsMissingUnexpectedAndMisshapenTensorsAtomically() throws {
        var rng = SeededGenerator(seed: 5)
        let options = NetworkOptions(ngf: 2, resnetBlocks: 1)
        let source = ResnetGenerator(options: options, using: &rng)
        let target = ResnetGenerator(options: options, using: &rng)
        let before = target.stateDict()

        var missing = source.stateDict()
        missing["model.1.weight"] = nil
        missing["model.10.conv_block.5.bias"] = nil
        #expect(throws: StateDictLoadError.missingKeys(["model.1.weight", "model.10.conv_block.5.bias"])) { try target.load(missing) }
        #expect(throws: StateDictLoadError.missingKeys(["model.1.weight", "model.10.conv_block.5.bias"])) {
            try target.load(missing, strict: false)
        }

        var extra = source.stateDict()
        extra["model.1.running_mean"] = TensorData(shape: [2], values: [0, 0])  // a conv has no running mean
        extra["epoch"] = TensorData(shape: [], values: [3])
        #expect(throws: StateDictLoadError.unexpectedKeys(["model.1.running_mean", "epoch"])) { try target.load(extra) }

        var misshapen = source.stateDict()
        misshapen["model.4.bias"] = TensorData(shape: [5], values: [Float](repeating: 0, count: 5))
        #expect(throws: StateDictLoadError.shapeMismatch(name: "model.4.bias", expected: [4], actual: [5])) {
            try target.load(misshapen, strict: false)
        }
        #expect(target.stateDict() == before, "a failed load must not assign anything")

        try target.load(extra, strict: false)
        #expect(target.stateDict() == source.stateDict())
        #expect(StateDictLoadError.missingKeys(["a.b"]).description.contains("a.b"))
    }

    /// Official CycleGAN checkpoints (PyTorch 0.3) carry InstanceNorm running statistics; pix2pix ones from before
    /// PyTorch 0.4.1 lack BatchNorm's num_batches_tracked. Both load, as in junyanz's test.py.
    @Test func acceptsLegacyNormKeysOfOfficialCheckpoints() throws {
        var rng = SeededGenerator(seed: 6)
        let resnetOptions = NetworkOptions(ngf: 2, resnetBlocks: 2)
        let source = ResnetGenerator(options: resnetOptions, using: &rng)
        let target = ResnetGenerator(options: resnetOptions, using: &rng)
        var legacy = StateDict()
        let lastBias = source.stateDict().names.last
        for (name, tensor) in source.stateDict() {
            legacy[name] = tensor
            // Interleave the old buffers after each conv bias feeding an instance norm (model.2, model.5, ...).
            let parts = name.split(separator: ".")
            if name.hasSuffix(".bias"), parts.count >= 2, let index = Int(parts[parts.count - 2]), name != lastBias {
                let norm = (parts.dropLast(2) + [Substring(String(index + 1))]).joined(separator: ".")
                let channels = tensor.shape[0]
                legacy[norm + ".running_mean"] = TensorData(shape: [channels], values: [Float](repeating: 0, count: channels))
                legacy[norm + ".running_var"] = TensorData(shape: [channels], values: [Float](repeating: 1, count: channels))
                legacy[norm + ".num_batches_tracked"] = TensorData(shape: [], values: [0], dtype: .i64)
            }
        }
        #expect(legacy.names.contains("model.2.running_mean") && legacy.names.contains("model.10.conv_block.2.running_var"))
        try target.load(legacy)
        #expect(target.stateDict() == source.stateDict())

        let unetOptions = NetworkOptions(ngf: 2, norm: .batch, unetDowns: 5)
        let unet = UnetGenerator(options: unetOptions, using: &rng), unetTarget = UnetGenerator(options: unetOptions, using: &rng)
        var old = unet.stateDict()
        for name in old.names where name.hasSuffix("num_batches_tracked") { old[name] = nil }
        try unetTarget.load(old)
        #expect(unetTarget.namedParameters().map(\.parameter.value) == unet.namedParameters().map(\.parameter.value))
    }

    /// tools/make_weight_fixtures.py's tiny.pth holds a conv (`model.0`), two layers with deliberately odd shapes
    /// (`model.1`, `model.2`), affine-free batch-norm buffers (`model.3`) and a stray `scalar`.
    @Test func loadsTheTinyPyTorchCheckpoint() throws {
        final class Tiny: Module, @unchecked Sendable {
            let model: Sequential
            init(second: Module, using rng: inout SeededGenerator) {
                model = Sequential(Conv2d(inChannels: 2, outChannels: 4, kernelSize: 3, using: &rng), second, Identity(),
                                   BatchNorm2d(channels: 3, affine: false))
            }
            override var children: [(name: String, module: Module)] { [("model", model)] }
        }
        let path = WeightFixtures.path("tiny.pth")
        var rng = SeededGenerator(seed: 7)
        let net = Tiny(second: Identity(), using: &rng)
        #expect(throws: StateDictLoadError.unexpectedKeys(["model.1.weight", "model.1.bias", "model.2.weight", "model.2.bias", "scalar"])) {
            try net.load(StateDict(contentsOf: path))
        }
        try net.load(contentsOf: path, strict: false)
        let state = Dictionary(uniqueKeysWithValues: net.namedState().map { ($0.name, $0.variable.value) })
        var compared = 0
        for row in try WeightFixtures.expected(for: "tiny.pth") where state[row.name] != nil {
            compared += 1
            let value = try #require(state[row.name])
            #expect(value.shape == row.shape, "\(row.name)")
            #expect(value.scalars.map(\.bitPattern) == row.bits, "\(row.name)")
        }
        #expect(compared == 5)
        #expect(state["model.3.num_batches_tracked"]?.scalars == [7])

        // A Linear(4 -> 5) at model.1 fits the [5, 4] weight but not the 4-element bias.
        let linear = Tiny(second: Linear(inFeatures: 4, outFeatures: 5, using: &rng), using: &rng)
        #expect(throws: StateDictLoadError.inFile(path: path, error: .shapeMismatch(name: "model.1.bias", expected: [5], actual: [4]))) {
            try linear.load(contentsOf: path, strict: false)
        }
    }
}
