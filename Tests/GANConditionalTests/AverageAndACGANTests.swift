import Foundation
import GANCore
import Testing
@testable import GANConditional

/// 40 28×28 "images" whose brightness is their label (0...9) plus noise, in memory.
private func brightnessDataset() throws -> IDXDataset {
    var random = SeededGenerator(seed: 4)
    let n = 40
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    let pixels = (0..<n).flatMap { k in (0..<784).map { _ in UInt8(min(255, (k % 10) * 25 + Int(random.next() % 8))) } }
    let images = try IDXFile(data: be(2051) + be(UInt32(n)) + be(28) + be(28) + pixels, expectedMagic: 2051, fileName: "images")
    let labels = try IDXFile(data: be(2049) + be(UInt32(n)) + (0..<n).map { UInt8($0 % 10) }, expectedMagic: 2049, fileName: "labels")
    return try IDXDataset(images: images, labels: labels, imagesName: "images", labelsName: "labels")
}

private func configuration(_ head: ConditionalDiscriminatorHead = .projection) -> ConditionalGANConfiguration {
    var c = ConditionalGANConfiguration(imageSize: 28, classCount: 10, latentSize: 8, generatorWidth: 4, discriminatorWidth: 4)
    c.discriminatorHead = head
    return c
}

private func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "gankit-cgan-average-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Test func acganHeadGivesClassLogitsAndLabelFreeLogits() {
    var random = SeededGenerator(seed: 1)
    let d = ConditionalDiscriminator(configuration: configuration(.auxiliaryClassifier), using: &random)
    d.eval()   // no power iteration between the calls
    let x = Variable(Tensor.randomUniform([3, 1, 28, 28], low: -1, high: 1, using: &random))
    let out = d.outputs(x, labels: [0, 5, 9])
    #expect(out.logits.shape == [3, 1] && out.classLogits?.shape == [3, 10])
    #expect(d(x, labels: [1, 2, 3]).value == out.logits.value)   // the adversarial logit ignores the label
    let names = d.stateDict().names
    #expect(names.contains("classifier.weight_orig") && !names.contains("embed.weight"))
    #expect(ConditionalDiscriminator(configuration: configuration(), using: &random).outputs(x, labels: [0, 1, 2]).classLogits == nil)
}

@Test func acganDiscriminatorLearnsTheClasses() throws {
    // The class term makes D's classifier learn the labels of real images (brightness here): its cross-entropy on
    // the real data falls from chance (ln 10 ≈ 2.30); with the term weighted 0 the classifier head gets no gradient
    // and stays near chance. (Spectral norm bounds the logits, so it falls slowly: about 1.8 after 60 steps.)
    let data = try brightnessDataset()
    func realCrossEntropy(classLossWeight: Float) -> (before: Float, after: Float) {
        var options = ConditionalTrainingOptions(batchSize: 20, generatorLearningRate: 5e-3, discriminatorLearningRate: 5e-3, seed: 2)
        options.classLossWeight = classLossWeight
        let trainer = ConditionalGANTrainer(configuration: configuration(.auxiliaryClassifier), options: options)
        func crossEntropy() -> Float {
            let indices = Array(0..<data.count), labels = indices.map { data.labels[$0] }
            let x = Variable(data.images(at: indices, size: 28))
            let classes = withNoGrad { trainer.discriminator.outputs(x, labels: labels).classLogits! }
            return softmaxCrossEntropyLoss(classes, labels: labels).value.scalar
        }
        let before = crossEntropy()
        for _ in 0..<60 { trainer.trainStep(on: data) }
        return (before, crossEntropy())
    }
    let trained = realCrossEntropy(classLossWeight: 1), control = realCrossEntropy(classLossWeight: 0)
    #expect(trained.before > 2.1 && trained.after < 1.95, "class cross-entropy on real images \(trained)")
    #expect(control.after > 2.1, "with the class term off: \(control)")
}

@Test func averageFollowsTheGeneratorAndResumesExactly() throws {
    let data = try brightnessDataset()
    var options = ConditionalTrainingOptions(batchSize: 8, seed: 5)
    options.averageDecay = 0.9
    let straight = ConditionalGANTrainer(configuration: configuration(), options: options)
    #expect(straight.averageGenerator?.stateDict() == straight.generator.stateDict())
    let before = straight.averageGenerator!.stateDict()
    straight.trainStep(on: data)
    // θ̄ ← 0.9·θ̄ + 0.1·θ, for parameters and batch-norm buffers alike.
    let after = straight.averageGenerator!.stateDict(), weights = straight.generator.stateDict()
    var worst: Float = 0
    for name in before.names where !name.hasSuffix("num_batches_tracked") {
        let expected = zip(before[name]!.values, weights[name]!.values).map { 0.9 * $0 + 0.1 * $1 }
        worst = max(worst, zip(expected, after[name]!.values).map { abs($0 - $1) }.max() ?? 0)
    }
    #expect(worst < 1e-6)
    #expect(after != weights)
    for _ in 0..<3 { straight.trainStep(on: data) }

    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let first = ConditionalGANTrainer(configuration: configuration(), options: options)
    for _ in 0..<2 { first.trainStep(on: data) }
    try first.saveCheckpoint(to: directory)
    #expect(FileManager.default.fileExists(atPath: directory + "/generator-average-00000002.safetensors"))
    let resumed = try ConditionalGANTrainer.resume(from: directory)
    for _ in 0..<2 { resumed.trainStep(on: data) }
    #expect(resumed.averageGenerator?.stateDict() == straight.averageGenerator?.stateDict())
    #expect(resumed.generator.stateDict() == straight.generator.stateDict())

    // Sampling loads the average unless asked for the last weights.
    try resumed.saveCheckpoint(to: directory)
    #expect(try ConditionalGANTrainer.loadGenerator(from: directory).stateDict() == straight.averageGenerator?.stateDict())
    #expect(try ConditionalGANTrainer.loadGenerator(from: directory, average: false).stateDict() == straight.generator.stateDict())
    #expect(resumed.samples(labels: [3], seed: 1) == ConditionalSampler(generator: straight.averageGenerator!).samples(labels: [3], seed: 1))
}

@Test func aResumedRunCanStartAnAverage() throws {
    let data = try brightnessDataset()
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let trainer = ConditionalGANTrainer(configuration: configuration(), options: ConditionalTrainingOptions(batchSize: 8, seed: 6))
    trainer.trainStep(on: data)
    try trainer.saveCheckpoint(to: directory)
    let resumed = try ConditionalGANTrainer.resume(from: directory)
    #expect(resumed.averageGenerator == nil)
    resumed.enableAverage(decay: 0.99)
    #expect(resumed.averageGenerator?.stateDict() == resumed.generator.stateDict() && resumed.options.averageDecay == 0.99)
    resumed.trainStep(on: data)
    try resumed.saveCheckpoint(to: directory)
    let again = try ConditionalGANTrainer.resume(from: directory)
    #expect(again.options.averageDecay == 0.99 && again.averageGenerator?.stateDict() == resumed.averageGenerator?.stateDict())
}

@Test func checkpointsWithoutAHeadReadAsProjection() throws {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ConditionalGANTrainer(configuration: configuration(.auxiliaryClassifier), options: ConditionalTrainingOptions(seed: 1)).saveCheckpoint(to: directory)
    let text = try String(contentsOfFile: directory + "/state.json", encoding: .utf8)
    #expect(text.contains("\"discriminatorHead\" : \"acgan\""))
    #expect(try ConditionalGANTrainer.readState(from: directory).configuration.discriminatorHead == .auxiliaryClassifier)
    let older = text.replacingOccurrences(of: "\"discriminatorHead\" : \"acgan\",", with: "")
    #expect(older != text)
    #expect(try ConditionalGANTrainer.readState(bytes: Array(older.utf8)).configuration.discriminatorHead == .projection)
}

@Test func learningRatesDecayLinearlyToZero() throws {
    var options = ConditionalTrainingOptions(batchSize: 4, seed: 7)
    (options.decayStartStep, options.decayEndStep) = (2, 6)
    #expect([0, 2, 3, 5, 6, 9].map { options.learningRateFactor(completedSteps: $0) } == [1, 1, 0.75, 0.25, 0, 0])
    let data = try brightnessDataset()
    let trainer = ConditionalGANTrainer(configuration: configuration(), options: options)
    for _ in 0..<6 { trainer.trainStep(on: data) }
    let (g, d) = (trainer.generator.stateDict(), trainer.discriminator.stateDict())
    trainer.trainStep(on: data)   // rate 0: nothing moves but batch-norm statistics and spectral-norm vectors
    let moved = trainer.generator.stateDict()
    #expect(moved["fc.weight"] == g["fc.weight"] && moved["up2.weight"] == g["up2.weight"])
    #expect(trainer.discriminator.stateDict()["conv1.weight_orig"] == d["conv1.weight_orig"])
    let constant = ConditionalGANTrainer(configuration: configuration(), options: ConditionalTrainingOptions(batchSize: 4, seed: 7))
    for _ in 0..<7 { constant.trainStep(on: data) }
    #expect(constant.generator.stateDict()["fc.weight"] != moved["fc.weight"])
}

@Test func diversityTermPairsLatentsOfOneClassAndResumes() throws {
    let data = try brightnessDataset()
    var options = ConditionalTrainingOptions(batchSize: 8, seed: 8)
    options.diversityWeight = 3
    let trainer = ConditionalGANTrainer(configuration: configuration(), options: options)

    // d_i is the mean absolute difference of images i and pairs + i.
    var random = SeededGenerator(seed: 9)
    let x = Tensor.randomUniform([6, 1, 4, 4], low: -1, high: 1, using: &random)
    let d = trainer.pairDistances(Variable(x), pairs: 3).map { $0.value.scalar }
    for i in 0..<3 {
        let a = x.scalars[(16 * i)..<(16 * i + 16)], b = x.scalars[(16 * (i + 3))..<(16 * (i + 3) + 16)]
        #expect(abs(d[i] - zip(a, b).map { abs($0 - $1) }.reduce(0, +) / 16) < 1e-6)
    }
    // The term's gradient (λ·mean_i max(0, τ − d_i) through the slices) against finite differences.
    let images = Variable.parameter(Tensor.randomUniform([4, 1, 2, 3], low: -1, high: 1, using: &random))
    expectGradientsMatchHere([images]) {
        let distances = trainer.pairDistances(images, pairs: 2)
        return relu(0.9 - distances[0]) + relu(0.9 - distances[1])
    }

    // τ_y: the brightness images of one class differ only by their noise (at most 7/255 per pixel, scaled to [-1, 1]).
    let targets = trainer.diversityTargets(of: data)
    #expect(targets.count == 10 && targets.allSatisfy { $0 > 0 && $0 < 2 * 7 / 255 })
    // As a quantile: a class has 4 images here, so a quarter of its pairs draw one image twice (distance 0): the 10%
    // quantile is 0, the median and the 90% quantile are noise distances, in that order, and not the mean.
    func quantileTargets(_ q: Float) -> [Float] {
        var quantiles = options
        quantiles.diversityQuantile = q
        return ConditionalGANTrainer(configuration: configuration(), options: quantiles).diversityTargets(of: data)
    }
    let (lows, medians, highs) = (quantileTargets(0.1), quantileTargets(0.5), quantileTargets(0.9))
    #expect(lows.allSatisfy { $0 == 0 } && medians.allSatisfy { $0 > 0 } && zip(medians, highs).allSatisfy { $0 <= $1 })
    #expect(medians != targets)

    // Steps log the pairs' mean distance, the weight is kept in checkpoints, a resumed run continues exactly, and the
    // term changes what G learns.
    #expect(trainer.trainStep(on: data).pairDistance.map { $0 > 0 } == true)
    let (resumed, plain) = try expectExactResumeAndAnEffect(of: trainer, on: data) { $0.generator.stateDict() }
    #expect(resumed.diversityWeight == 3 && plain?.pairDistance == nil)
}

/// Saves `trainer`, resumes it, takes two more steps with both and expects the same `weights`; then expects as many
/// steps of the run without the option under test (`ConditionalTrainingOptions(batchSize: 8, seed: 8)`) to end in
/// other `weights`. Returns the resumed options and the plain run's last losses.
private func expectExactResumeAndAnEffect(of trainer: ConditionalGANTrainer, on data: IDXDataset,
                                          weights: (ConditionalGANTrainer) -> StateDict) throws
    -> (resumed: ConditionalTrainingOptions, plain: ConditionalStepLosses?) {
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try trainer.saveCheckpoint(to: directory)
    let resumed = try ConditionalGANTrainer.resume(from: directory)
    for _ in 0..<2 { trainer.trainStep(on: data); resumed.trainStep(on: data) }
    #expect(weights(resumed) == weights(trainer))
    let plain = ConditionalGANTrainer(configuration: configuration(), options: ConditionalTrainingOptions(batchSize: 8, seed: 8))
    for _ in 0..<trainer.step { plain.trainStep(on: data) }
    #expect(weights(plain) != weights(trainer))
    return (resumed.options, plain.lastLosses)
}

/// Central finite differences of Σ f(inputs) against the analytic gradient (as GANCoreTests' checker, which this
/// target cannot see), for the few inputs of one small test.
private func expectGradientsMatchHere(_ inputs: [Variable], _ f: () -> Variable) {
    for input in inputs { input.zeroGrad() }
    f().backward()
    for input in inputs {
        for i in 0..<input.value.count {
            let original = input.value.scalars[i]
            input.value.scalars[i] = original + 1e-3
            let up = withNoGrad { f() }.value.scalar
            input.value.scalars[i] = original - 1e-3
            let down = withNoGrad { f() }.value.scalar
            input.value.scalars[i] = original
            let numeric = (up - down) / 2e-3, analytic = input.grad?.scalars[i] ?? 0
            #expect(abs(numeric - analytic) < 2e-2 * max(1, abs(numeric)), "element \(i): analytic \(analytic), numeric \(numeric)")
        }
    }
}

@Test func imageShiftMovesEachImageAndRepeatsItsBorder() {
    // Two 1-channel 3×3 images 0...8 and 10...18: the first moved right by 1, the second up by 2.
    let images = Tensor(shape: [2, 1, 3, 3], scalars: (0..<9).map(Float.init) + (10..<19).map(Float.init))
    let shifted = ImageShift(offsets: [(1, 0), (0, -2)]).apply(to: images)
    #expect(shifted.scalars == [0, 0, 1, 3, 3, 4, 6, 6, 7] + [16, 17, 18, 16, 17, 18, 16, 17, 18])
    #expect(ImageShift(offsets: [(0, 0), (0, 0)]).apply(to: images) == images)
    var random = SeededGenerator(seed: 3)
    let offsets = ImageShift.random(count: 500, maxShift: 3, using: &random).offsets
    #expect(offsets.count == 500 && offsets.allSatisfy { abs($0.dx) <= 3 && abs($0.dy) <= 3 })
    #expect(Set(offsets.map { $0.dx }) == Set(-3...3) && Set(offsets.map { $0.dy }) == Set(-3...3))
}

@Test func consistencyTermComparesShiftedScoresAndResumes() throws {
    let data = try brightnessDataset()
    var options = ConditionalTrainingOptions(batchSize: 8, seed: 8)
    options.consistencyWeight = 10
    let trainer = ConditionalGANTrainer(configuration: configuration(), options: options)

    // The term is mean (D(x) − D(T(x)))² over the real batch plus the same over the generated one, T drawn from the
    // random source after everything else. (D in evaluation mode: spectral norm's power iteration stands still.)
    trainer.discriminator.eval()
    var random = SeededGenerator(seed: 5)
    let real = data.images(at: Array(0..<8), size: 28), realLabels = (0..<8).map { data.labels[$0] }
    let fake = Tensor.randomUniform([8, 1, 28, 28], low: -1, high: 1, using: &random), fakeLabels = [3, 1, 4, 1, 5, 9, 2, 6]
    let (realLogits, fakeLogits) = (trainer.discriminator(Variable(real), labels: realLabels), trainer.discriminator(Variable(fake), labels: fakeLabels))
    var draw = random
    let term = trainer.consistencyTerm(real: real, realLabels: realLabels, realLogits: realLogits, fake: fake, fakeLabels: fakeLabels,
                                       fakeLogits: fakeLogits, using: &random).value.scalar
    let realShift = ImageShift.random(count: 8, maxShift: 3, using: &draw), fakeShift = ImageShift.random(count: 8, maxShift: 3, using: &draw)
    func meanSquare(_ a: Variable, _ b: Variable) -> Float { zip(a.value.scalars, b.value.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 8 }
    let expected = meanSquare(realLogits, trainer.discriminator(Variable(realShift.apply(to: real)), labels: realLabels))
        + meanSquare(fakeLogits, trainer.discriminator(Variable(fakeShift.apply(to: fake)), labels: fakeLabels))
    #expect(expected > 0 && abs(term - expected) < 1e-5 * max(1, expected))

    // Steps report the term, the weight is kept in checkpoints, a resumed run continues exactly, and the term changes
    // what D learns.
    #expect(trainer.trainStep(on: data).consistency.map { $0 > 0 } == true)
    let (resumed, plain) = try expectExactResumeAndAnEffect(of: trainer, on: data) { $0.discriminator.stateDict() }
    #expect(resumed.consistencyWeight == 10 && plain?.consistency == nil)
}

@Test func topKKeepsTheBestScoredRowsAndResumes() throws {
    // The kept rows are the highest logits in their order, and the gradient reaches exactly them.
    let logits = Variable(Tensor(shape: [6, 1], scalars: [0.5, -1, 2, 0.5, 3, -2]), requiresGrad: true)
    let top = ConditionalGANTrainer.topRows(logits, fraction: 0.5)
    #expect(top.shape == [3, 1] && top.value.scalars == [0.5, 2, 3])   // a tie (0.5, 0.5) keeps the first drawn
    sum(top * Variable(Tensor(shape: [3, 1], scalars: [1, 2, 3]))).backward()
    #expect(logits.grad?.scalars == [1, 0, 2, 0, 3, 0])
    #expect(ConditionalGANTrainer.topRows(logits, fraction: 0.01).value.scalars == [3])   // at least one row

    // The fraction is kept in checkpoints, a resumed run continues exactly, and it changes what G learns.
    let data = try brightnessDataset()
    var options = ConditionalTrainingOptions(batchSize: 8, seed: 8)
    options.generatorTopFraction = 0.5
    let trainer = ConditionalGANTrainer(configuration: configuration(), options: options)
    trainer.trainStep(on: data)
    let (resumed, _) = try expectExactResumeAndAnEffect(of: trainer, on: data) { $0.generator.stateDict() }
    #expect(resumed.generatorTopFraction == 0.5)
}
