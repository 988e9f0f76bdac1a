import Foundation
import Testing
import struct GANConditional.IDXDataset
import enum GANConditional.DataLocation
import GANImageIO
@testable import GANKit

/// The label GAN GANKit ships (`Models/mnist-cgan`): found by name, deterministic under a seed, and its digits show
/// the class asked for. The full held-out table (label accuracy from a 99% CNN, FID against the real floor, per-class
/// precision and recall) is in Models/mnist-cgan/README.md; here a check any build can afford: a nearest-class-mean
/// classifier built from the real MNIST test digits (80.3% right on the first 1000 of them) must find the asked class in
/// most of 50 samples per class.
@Suite struct ShippedLabelModelTests {
    static let models = RepositoryPaths.root + "/Models"
    static let mnist = DataLocation.root() + "/mnist"
    static let hasData = FileManager.default.fileExists(atPath: mnist)

    @Test func loadsByNameAndIsDeterministic() throws {
        let model = try ConditionalGenerator(named: "mnist-cgan", models: Self.models)
        #expect(model.kind == .label(classCount: 10, imageSize: 28))
        let a = try model.generate(label: 7, count: 3, seed: 5), b = try model.generate(label: 7, count: 3, seed: 5)
        #expect(a.map { $0.samples } == b.map { $0.samples })
        #expect(try model.generate(label: 7, count: 3, seed: 6).map { $0.samples } != a.map { $0.samples })
        #expect(a.allSatisfy { $0.width == 28 && $0.height == 28 })
    }

    @Test(.enabled(if: hasData, "mnist not found under GANKIT_DATA or ../shared/data: skipped"))
    func samplesShowTheirClass() throws {
        let test = try IDXDataset.load(directory: Self.mnist, split: .test)
        var means = [[Double]](repeating: [Double](repeating: 0, count: 784), count: 10), counts = [Int](repeating: 0, count: 10)
        for i in 0..<test.count {
            let label = test.labels[i]
            counts[label] += 1
            for p in 0..<784 { means[label][p] += Double(test.pixels[i * 784 + p]) }
        }
        for c in 0..<10 { for p in 0..<784 { means[c][p] /= Double(counts[c]) } }
        func nearest(_ pixels: [Double]) -> Int {
            let distances = means.map { mean in zip(pixels, mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            return distances.indices.min { distances[$0] < distances[$1] }!
        }
        let realRight = (0..<1000).filter { i in nearest((0..<784).map { p in Double(test.pixels[i * 784 + p]) }) == test.labels[i] }.count
        let model = try ConditionalGenerator(named: "mnist-cgan", models: Self.models)
        var right = 0
        for label in 0..<10 {
            for image in try model.generate(label: label, count: 50, seed: 11) {
                #expect(image.layout == ChannelLayout.gray)
                if nearest((0..<784).map { Double(image.samples[$0]) }) == label { right += 1 }
            }
        }
        // The generated digits are at least as recognisable to this weak classifier as real ones, less a margin.
        #expect(Double(right) / 500 >= Double(realRight) / 1000 - 0.05, "samples \(right)/500, real digits \(realRight)/1000")
    }
}
