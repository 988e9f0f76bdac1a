import Foundation
import GANCore
import Testing
@testable import GANConditional

@Test func crossEntropyMatchesFiniteDifferences() {
    var random = SeededGenerator(seed: 3)
    let logits = Tensor.randomNormal([4, 5], std: 3, using: &random)
    let labels = [0, 4, 2, 2]
    let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
    // Direct value: mean of -log softmax.
    var expected = 0.0
    for r in 0..<4 {
        let row = (0..<5).map { Double(logits[r, $0]) }
        expected += log(row.map(exp).reduce(0, +)) - row[labels[r]]
    }
    #expect(abs(Double(loss) - expected / 4) < 1e-5)
    let h: Float = 1e-2
    for i in 0..<logits.count {
        var plus = logits, minus = logits
        plus.scalars[i] += h
        minus.scalars[i] -= h
        let numeric = (SoftmaxCrossEntropy.lossAndGradient(logits: plus, labels: labels).loss
            - SoftmaxCrossEntropy.lossAndGradient(logits: minus, labels: labels).loss) / (2 * h)
        #expect(abs(numeric - gradient.scalars[i]) < 2e-3, "entry \(i): numeric \(numeric), analytic \(gradient.scalars[i])")
    }
    // Stable for huge logits.
    let huge = SoftmaxCrossEntropy.lossAndGradient(logits: Tensor(shape: [1, 3], scalars: [1000, -1000, 0]), labels: [0])
    #expect(huge.loss.isFinite && huge.loss < 1e-6)
}

@Test func crossEntropyGradientReachesTheClassifierWeights() {
    var random = SeededGenerator(seed: 1)
    let model = DigitClassifier(using: &random)
    let x = Tensor.randomUniform([2, 1, 28, 28], low: -1, high: 1, using: &random)
    let labels = [3, 7]
    func loss() -> Float { SoftmaxCrossEntropy.lossAndGradient(logits: withNoGrad { model(Variable(x)) }.value, labels: labels).loss }
    let logits = model(Variable(x))
    model.zeroGrad()
    logits.backward(seed: SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, labels: labels).gradient)
    // Check a few weights of each layer against central differences (Float: loose tolerance).
    for parameter in [model.conv1.weight, model.conv2.weight, model.conv3.weight, model.fc1.bias!, model.fc2.weight] {
        for i in [0, parameter.value.count / 2, parameter.value.count - 1] {
            let analytic = parameter.grad!.scalars[i]
            let original = parameter.value.scalars[i]
            let h: Float = 1e-3
            parameter.value.scalars[i] = original + h
            let up = loss()
            parameter.value.scalars[i] = original - h
            let down = loss()
            parameter.value.scalars[i] = original
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic) <= 2e-3 + 0.05 * abs(analytic), "\(parameter.shape)[\(i)]: numeric \(numeric), analytic \(analytic)")
        }
    }
    #expect(model.features(x).shape == [2, 128])
    #expect(model.predict(Tensor.zeros([3, 1, 32, 32])).count == 3)
}

@Test func jacobiEigenOfKnownMatrices() {
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
    let e = SymmetricEigen([2, 1, 1, 2], n: 2)
    #expect(abs(e.values.sorted()[0] - 1) < 1e-12 && abs(e.values.sorted()[1] - 3) < 1e-12)
    // Square root of [[5, 4], [4, 5]] is [[2, 1], [1, 2]].
    let root = SymmetricEigen.squareRoot([5, 4, 4, 5], n: 2)
    for (a, b) in zip(root, [2.0, 1, 1, 2]) { #expect(abs(a - b) < 1e-12) }
    // A random SPD matrix: V Λ Vᵀ reconstructs it and root·root = A.
    var random = SeededGenerator(seed: 5)
    let n = 6
    let b = (0..<(n * n)).map { _ in Double(random.nextNormal()) }
    var a = FrechetDistance.multiply(b, (0..<(n * n)).map { b[($0 % n) * n + $0 / n] }, n)  // B Bᵀ
    for i in 0..<n { a[i * n + i] += 0.1 }
    let rebuilt = SymmetricEigen(a, n: n).apply { $0 }
    for (x, y) in zip(rebuilt, a) { #expect(abs(x - y) < 1e-9) }
    let s = SymmetricEigen.squareRoot(a, n: n)
    for (x, y) in zip(FrechetDistance.multiply(s, s, n), a) { #expect(abs(x - y) < 1e-9) }
    // Diagonal matrix: eigenvalues are the diagonal.
    #expect(SymmetricEigen([4, 0, 0, 0, 9, 0, 0, 0, 1], n: 3).values == [4, 9, 1])
}

@Test func frechetDistanceOfKnownGaussians() {
    // Closed forms: equal covariances → |Δμ|²; 1-D: (μ1-μ2)² + (σ1-σ2)².
    let a = GaussianStatistics(mean: [0, 0], covariance: [1, 0.5, 0.5, 2])
    let b = GaussianStatistics(mean: [3, 4], covariance: [1, 0.5, 0.5, 2])
    #expect(abs(FrechetDistance.between(a, b) - 25) < 1e-9)
    #expect(abs(FrechetDistance.between(a, a)) < 1e-9)
    let c = GaussianStatistics(mean: [1], covariance: [4]), e = GaussianStatistics(mean: [0], covariance: [9])
    #expect(abs(FrechetDistance.between(c, e) - 2) < 1e-9)  // 1 + (2 - 3)²
    // Samples: two draws of the same Gaussian are near 0; a mean shift of (1, 1, 1, 1) adds about 4.
    var random = SeededGenerator(seed: 11)
    let n = 20000, d = 4
    let x = Tensor.randomNormal([n, d], using: &random), y = Tensor.randomNormal([n, d], using: &random)
    let shifted = y.map { $0 + 1 }
    #expect(FrechetDistance.between(x, y) < 0.01)
    #expect(abs(FrechetDistance.between(x, shifted) - 4) < 0.1)
}

@Test func precisionAndRecallOnToyPoints() {
    var random = SeededGenerator(seed: 2)
    let real = Tensor.randomNormal([400, 2], using: &random)
    let same = Tensor.randomNormal([400, 2], using: &random)
    let pr = PrecisionRecall.compute(real: real, generated: same, k: 3)
    #expect(pr.precision > 0.85 && pr.recall > 0.85)
    // Far away: nothing covered either way.
    let far = same.map { $0 + 100 }
    let none = PrecisionRecall.compute(real: real, generated: far, k: 3)
    #expect(none.precision == 0 && none.recall == 0)
    // Mode collapse: every generated point near one real point → high precision, low recall.
    let collapsed = Tensor(shape: [400, 2], scalars: (0..<800).map { _ in 0.01 * random.nextNormal() })
    let c = PrecisionRecall.compute(real: real, generated: collapsed, k: 3)
    #expect(c.precision > 0.9 && c.recall < 0.1)
    // Exact small case: radii by the 1st neighbour on a line.
    let line = Tensor(shape: [3, 1], scalars: [0, 1, 3])
    #expect(PrecisionRecall.kthNeighbourSquaredRadii(line, k: 1) == [1, 1, 4])
    #expect(PrecisionRecall.kthNeighbourSquaredRadii(line, k: 2) == [9, 4, 9])
}

@Test func classifierSavesAndLoads() throws {
    var random = SeededGenerator(seed: 4)
    let model = DigitClassifier(using: &random)
    let directory = NSTemporaryDirectory() + "gankit-classifier-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let manifest = ClassifierManifest(classCount: 10, featureSize: 128, dataset: "toy", epochs: 0, trainCount: 0,
                                      testAccuracy: 0.5, trainSeconds: 0, seed: 4)
    try ClassifierTraining.save(model, manifest: manifest, to: directory)
    let (loaded, readBack) = try ClassifierTraining.load(from: directory)
    #expect(readBack == manifest)
    let x = Tensor.randomUniform([3, 1, 28, 28], low: -1, high: 1, using: &random)
    #expect(loaded.logits(x) == model.logits(x))
    #expect(throws: ClassifierError.self) { try ClassifierTraining.load(from: directory + "-absent") }
}

@Test func shiftedImagesMoveAndFillWithBackground() {
    var random = SeededGenerator(seed: 8)
    let image = Tensor(shape: [1, 1, 5, 5], scalars: (0..<25).map(Float.init))
    let moved = ClassifierTraining.shifted(image, maxShift: 2, using: &random)
    // Some offset (dy, dx) in ±2 maps every kept pixel from (y - dy, x - dx); the rest are -1.
    var found = false
    for dy in -2...2 {
        for dx in -2...2 {
            var ok = true
            for y in 0..<5 {
                for x in 0..<5 {
                    let sy = y - dy, sx = x - dx
                    let expected: Float = (0..<5).contains(sy) && (0..<5).contains(sx) ? Float(sy * 5 + sx) : -1
                    if moved[0, 0, y, x] != expected { ok = false }
                }
            }
            if ok { found = true }
        }
    }
    #expect(found)
}

@Test func generatorEvaluationRunsEndToEndOnSyntheticData() throws {
    var random = SeededGenerator(seed: 9)
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func dataset(_ n: Int) throws -> IDXDataset {
        let pixels = (0..<(n * 784)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let images = try IDXFile(data: be(2051) + be(UInt32(n)) + be(28) + be(28) + pixels, expectedMagic: 2051, fileName: "images")
        let labels = try IDXFile(data: be(2049) + be(UInt32(n)) + (0..<n).map { UInt8($0 % 10) }, expectedMagic: 2049, fileName: "labels")
        return try IDXDataset(images: images, labels: labels, imagesName: "images", labelsName: "labels")
    }
    let data = try dataset(60)
    let configuration = ConditionalGANConfiguration(imageSize: 28, classCount: 10, latentSize: 8, generatorWidth: 4, discriminatorWidth: 4)
    let generator = LabelConditionalGenerator(configuration: configuration, using: &random)
    let classifier = DigitClassifier(using: &random)
    var options = GeneratorEvaluation.Options()
    options.samplesPerClass = 10
    let report = GeneratorEvaluation.evaluate(generator: generator, model: "toy", step: 0, classifier: classifier,
                                              classifierTestAccuracy: 0.1, train: data, test: data, options: options)
    #expect(report.perClassLabelAccuracy.count == 10 && report.perClassRecall.count == 10)
    #expect((0...1).contains(report.labelAccuracy) && (0...1).contains(report.precision) && (0...1).contains(report.recall))
    #expect(report.fid.isFinite && report.fid >= -1e-6 && report.fidFloor.isFinite)
    // The floor compares real data with itself here (train = test, all 60 images): FID ≈ 0, recall 1.
    #expect(abs(report.fidFloor) < 1e-3)
    #expect(report.realRecall == 1 && report.realPrecision == 1)
    #expect(abs(report.fidRatio - report.fid / report.fidFloor) < 1e-9 || report.fidFloor == 0)
    #expect(report.fidFloorDraws?.count == 1)

    // 40 samples against 120 training images: the floor is the mean of three disjoint draws of 40.
    options.samplesPerClass = 4
    let small = GeneratorEvaluation.evaluate(generator: generator, model: "toy", step: 0, classifier: classifier,
                                             classifierTestAccuracy: 0.1, train: try dataset(120), test: data, options: options)
    let draws = try #require(small.fidFloorDraws)
    #expect(draws.count == 3 && Set(draws).count == 3 && draws.allSatisfy { $0 > 1e-3 })
    #expect(abs(small.fidFloor - draws.reduce(0, +) / 3) < 1e-12)
    #expect(abs(small.fidRatio - small.fid / small.fidFloor) < 1e-9)
}
