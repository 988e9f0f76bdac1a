import GANTraining
import Foundation
import GANCore
import GANImageIO
import Testing
@testable import GANConditional

/// A tiny model: 8×8 features, z of 8, widths 4.
private func tinyConfiguration(imageSize: Int = 28) -> ConditionalGANConfiguration {
    ConditionalGANConfiguration(imageSize: imageSize, classCount: 10, latentSize: 8, generatorWidth: 4, discriminatorWidth: 4)
}

/// 40 random 28×28 "images" with labels 0...9, in memory.
private func syntheticDataset() throws -> IDXDataset {
    var random = SeededGenerator(seed: 9)
    let n = 40
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    let pixels = (0..<(n * 784)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    let images = try IDXFile(data: be(2051) + be(UInt32(n)) + be(28) + be(28) + pixels, expectedMagic: 2051, fileName: "synthetic-images")
    let labels = try IDXFile(data: be(2049) + be(UInt32(n)) + (0..<n).map { UInt8($0 % 10) }, expectedMagic: 2049, fileName: "synthetic-labels")
    return try IDXDataset(images: images, labels: labels, imagesName: "synthetic-images", labelsName: "synthetic-labels")
}

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "gankit-cgan-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Test(arguments: [28, 32])
func networksHaveTheConfiguredShapes(imageSize: Int) {
    var random = SeededGenerator(seed: 1)
    let configuration = tinyConfiguration(imageSize: imageSize)
    let g = LabelConditionalGenerator(configuration: configuration, using: &random)
    let d = ConditionalDiscriminator(configuration: configuration, using: &random)
    let images = g(Variable(Tensor.randomNormal([3, 8], using: &random)), labels: [0, 5, 9])
    #expect(images.shape == [3, 1, imageSize, imageSize])
    #expect(images.value.scalars.allSatisfy { $0 > -1 && $0 < 1 })
    let logits = d(images, labels: [0, 5, 9])
    #expect(logits.shape == [3, 1])
    // The projection head makes the logit depend on the label.
    let other = d(images, labels: [1, 6, 2])
    #expect(logits.value.scalars != other.value.scalars)
    // Conditional batch norm and spectral norm appear under PyTorch-style names.
    #expect(g.stateDict().names.contains("bn0.weights.weight"))
    #expect(d.stateDict().names.contains("conv1.weight_orig") && d.stateDict().names.contains("head.weight_u"))
}

@Test func generatorConvsPerScaleAddNamedLayersAndTrain() throws {
    var configuration = tinyConfiguration()
    configuration.generatorConvsPerScale = 2
    var random = SeededGenerator(seed: 4)
    let g = LabelConditionalGenerator(configuration: configuration, using: &random)
    let names = g.stateDict().names
    for name in ["conv0_0.weight", "conv0_1.weight", "conv1_1.weight", "cbn1_1.weights.weight"] { #expect(names.contains(name), "\(name)") }
    #expect(!names.contains("conv2_0.weight"))
    let weights = g.parameters().reduce(0) { $0 + $1.value.count }
    #expect(configuration.generatorParameterLowerBound <= weights)
    let plain = LabelConditionalGenerator(configuration: tinyConfiguration(), using: &random)
    #expect(plain.stateDict().names.allSatisfy { !$0.hasPrefix("conv") }, "k = 0 keeps the plain state dict")
    // Stored only when used: plain configurations encode as before; both decode back.
    let plainJSON = String(decoding: try JSONEncoder().encode(tinyConfiguration()), as: UTF8.self)
    #expect(!plainJSON.contains("generatorConvsPerScale"))
    #expect(try JSONDecoder().decode(ConditionalGANConfiguration.self, from: JSONEncoder().encode(configuration)) == configuration)
    var bad = configuration
    bad.generatorConvsPerScale = 5
    #expect(bad.problem != nil)
    // The deeper generator trains and its new layers receive gradients.
    let data = try syntheticDataset()
    let trainer = ConditionalGANTrainer(configuration: configuration, options: ConditionalTrainingOptions(batchSize: 8, seed: 3))
    let before = trainer.generator.scaleConvs[1][1].weight.value.scalars
    for _ in 0..<2 { #expect(trainer.trainStep(on: data).generator.isFinite) }
    #expect(trainer.generator.scaleConvs[1][1].weight.value.scalars != before)
}

@Test func discriminatorConvsPerScaleAddNamedLayersAndTrain() throws {
    var configuration = tinyConfiguration()
    configuration.discriminatorConvsPerScale = 2
    var random = SeededGenerator(seed: 4)
    let names = ConditionalDiscriminator(configuration: configuration, using: &random).stateDict().names
    for name in ["conv1_0.weight_orig", "conv1_1.weight_u", "conv2_1.bias"] { #expect(names.contains(name), "\(name)") }
    #expect(!names.contains("conv3_0.weight_orig"))
    let plain = ConditionalDiscriminator(configuration: tinyConfiguration(), using: &random)
    #expect(plain.stateDict().names.allSatisfy { !$0.contains("_0.") }, "k = 0 keeps the plain state dict")
    let plainJSON = String(decoding: try JSONEncoder().encode(tinyConfiguration()), as: UTF8.self)
    #expect(!plainJSON.contains("discriminatorConvsPerScale"))
    #expect(try JSONDecoder().decode(ConditionalGANConfiguration.self, from: JSONEncoder().encode(configuration)) == configuration)
    var bad = configuration
    bad.discriminatorConvsPerScale = 5
    #expect(bad.problem != nil)
    // The deeper discriminator trains and its new layers receive gradients.
    let trainer = ConditionalGANTrainer(configuration: configuration, options: ConditionalTrainingOptions(batchSize: 8, seed: 3))
    let before = trainer.discriminator.scaleConvs[1][1].weight.value.scalars
    for _ in 0..<2 { #expect(trainer.trainStep(on: try syntheticDataset()).discriminator.isFinite) }
    #expect(trainer.discriminator.scaleConvs[1][1].weight.value.scalars != before)
}

@Test func trainingStepsGiveFiniteLosses() throws {
    let data = try syntheticDataset()
    let trainer = ConditionalGANTrainer(configuration: tinyConfiguration(), options: ConditionalTrainingOptions(batchSize: 8, seed: 3))
    for _ in 0..<3 {
        let losses = trainer.trainStep(on: data)
        #expect(losses.discriminator.isFinite && losses.generator.isFinite)
    }
    #expect(trainer.step == 3)
}

@Test func resumeContinuesExactly() throws {
    let data = try syntheticDataset()
    let options = ConditionalTrainingOptions(batchSize: 8, discriminatorSteps: 2, seed: 5)
    let straight = ConditionalGANTrainer(configuration: tinyConfiguration(), options: options)
    for _ in 0..<4 { straight.trainStep(on: data) }

    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let first = ConditionalGANTrainer(configuration: tinyConfiguration(), options: options)
    for _ in 0..<1 { first.trainStep(on: data) }
    try first.saveCheckpoint(to: directory)
    first.trainStep(on: data)
    try first.saveCheckpoint(to: directory)  // replaces the step-1 files
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(files == ["discriminator-00000002.safetensors", "generator-00000002.safetensors", "optimizers-00000002.safetensors", "state.json"])

    let resumed = try ConditionalGANTrainer.resume(from: directory)
    #expect(resumed.step == 2 && resumed.options == options)
    var last: ConditionalStepLosses?
    for _ in 0..<2 { last = resumed.trainStep(on: data) }
    #expect(last == straight.lastLosses)
    #expect(resumed.generator.stateDict() == straight.generator.stateDict())
    #expect(resumed.discriminator.stateDict() == straight.discriminator.stateDict())
}

@Test func checkpointErrorsNameTheFolder() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    #expect(throws: TrainingFolderError.missingState(path: directory)) { try ConditionalGANTrainer.resume(from: directory) }
    try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/state.json"))
    #expect(throws: TrainingFolderError.self) { try ConditionalGANTrainer.resume(from: directory) }
}

@Test func classGridIsOneRowPerClass() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trainer = ConditionalGANTrainer(configuration: tinyConfiguration(), options: ConditionalTrainingOptions(seed: 1))
    try trainer.saveCheckpoint(to: directory)
    let generator = try ConditionalGANTrainer.loadGenerator(from: directory)
    let sampler = ConditionalSampler(generator: generator)
    #expect(sampler.samples(labels: [7, 7], seed: 4) == trainer.samples(labels: [7, 7], seed: 4))
    let path = directory + "/grid.png"
    try sampler.writeClassGrid(to: path, perClass: 3, seed: 2)
    let image = try Image(contentsOf: path)
    #expect(image.width == 3 * 30 + 2 && image.height == 10 * 30 + 2)
}

@Test func truncationAndInterpolationAreDeterministic() {
    var random = SeededGenerator(seed: 2)
    let sampler = ConditionalSampler(generator: LabelConditionalGenerator(configuration: tinyConfiguration(), using: &random))
    let z = sampler.latents(count: 50, seed: 7, truncation: 0.5)
    #expect(z.scalars.allSatisfy { abs($0) <= 0.5 })
    #expect(sampler.latents(count: 50, seed: 7, truncation: 0.5) == z)
    let walk = sampler.interpolation(label: 4, seed: 1, endSeed: 2, steps: 3)
    let ends = sampler.samples(labels: [4], seed: 1).scalars + sampler.samples(labels: [4], seed: 2).scalars
    let image = 28 * 28
    let startGap = zip(walk.scalars.prefix(image), ends.prefix(image)).map { abs($0 - $1) }.max()!
    let endGap = zip(walk.scalars.suffix(image), ends.suffix(image)).map { abs($0 - $1) }.max()!
    #expect(startGap <= 1e-5 && endGap <= 1e-5)
}

@Test func discriminatorRejectionKeepsTheBestScoredCandidatesInOrder() {
    var random = SeededGenerator(seed: 2)
    let configuration = tinyConfiguration()
    let sampler = ConditionalSampler(generator: LabelConditionalGenerator(configuration: configuration, using: &random))
    let critic = ConditionalDiscriminator(configuration: configuration, using: &random)
    let image = 28 * 28, label = 3
    let drawn = sampler.samples(labels: Array(repeating: label, count: 12), seed: 9)
    let logits = withNoGrad { critic.eval(); defer { critic.train() }; return critic(Variable(drawn), labels: Array(repeating: label, count: 12)) }.value.scalars
    let rows = (0..<12).map { Array(drawn.scalars[$0 * image..<($0 + 1) * image]) }
    // All kept: the plain samples. Half kept: the 6 best-scored candidates, in the order they were drawn.
    #expect(sampler.bestSamples(label: label, count: 12, candidates: 12, seed: 9, critic: critic) == drawn)
    let best = sampler.bestSamples(label: label, count: 6, candidates: 12, seed: 9, critic: critic)
    #expect(best.shape == [6, 1, 28, 28])
    let kept = (0..<6).map { k in rows.firstIndex(of: Array(best.scalars[k * image..<(k + 1) * image]))! }
    #expect(kept == kept.sorted() && Set(kept).count == 6)
    let dropped = Set(0..<12).subtracting(kept)
    #expect(kept.map { logits[$0] }.min()! >= dropped.map { logits[$0] }.max()!)
    #expect(sampler.bestSamples(label: label, count: 6, candidates: 12, seed: 9, critic: critic) == best)   // deterministic
    #expect(critic.isTraining)   // scored in evaluation mode, left as it was
}

@Test(arguments: ConditionalLoss.allCases)
func everyLossTrains(loss: ConditionalLoss) throws {
    let data = try syntheticDataset()
    let trainer = ConditionalGANTrainer(configuration: tinyConfiguration(), options: ConditionalTrainingOptions(loss: loss, batchSize: 4, seed: 1))
    let losses = trainer.trainStep(on: data)
    #expect(losses.discriminator.isFinite && losses.generator.isFinite)
}

@Test func imageFolderDatasetLabelsBySubfolderAndTrains() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for (name, value) in [("b-dark", UInt16(20)), ("a-light", UInt16(230))] {
        try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
        for k in 0..<2 { try Image(width: 40, height: 30, layout: .rgb, filledWith: value).write(to: "\(directory)/\(name)/\(k).png") }
    }
    try Data("x".utf8).write(to: URL(fileURLWithPath: "\(directory)/a-light/notes.txt"))
    let data = try ImageFolderDataset(directory: directory, size: 8, channels: 1)
    #expect(data.classNames == ["a-light", "b-dark"] && data.labels == [0, 0, 1, 1])
    let batch = data.images(at: [0, 3], size: 8)
    #expect(batch.shape == [2, 1, 8, 8])
    #expect(batch.scalars[0] > 0.7 && batch.scalars[64] < -0.7)
    let trainer = ConditionalGANTrainer(configuration: ConditionalGANConfiguration(imageSize: 8, classCount: 2, latentSize: 4, generatorWidth: 4, discriminatorWidth: 4),
                                        options: ConditionalTrainingOptions(batchSize: 4, seed: 1))
    #expect(trainer.trainStep(on: data).generator.isFinite)
    #expect(throws: ImageFolderError.noClasses(path: "\(directory)/a-light")) { try ImageFolderDataset(directory: "\(directory)/a-light", size: 8) }
}
