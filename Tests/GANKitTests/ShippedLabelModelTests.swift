import Foundation
import Testing
import struct GANConditional.IDXDataset
import enum GANConditional.DataLocation
import GANImageIO
@testable import GANKit

/// The label GANs GANKit ships (`Models/mnist-cgan`, `Models/fashion-cgan`): found by name, deterministic under a
/// seed, and their samples show the class asked for. The full held-out tables (label accuracy from a CNN, FID against
/// the real floor, per-class precision and recall) are in their READMEs; here a check any build can afford: a
/// nearest-class-mean classifier built from the real test images (80.3% right on the first 1000 MNIST digits, about 68%
/// on Fashion-MNIST) must find the asked class in 50 samples per class about as often as in real images.
@Suite struct ShippedLabelModelTests {
    static let models = RepositoryPaths.root + "/Models"
    /// Each shipped label model and the dataset folder it was trained on.
    static let shipped = [("mnist-cgan", "mnist"), ("fashion-cgan", "fashion-mnist")]
        .filter { FileManager.default.fileExists(atPath: models + "/" + $0.0 + "/manifest.json") }

    @Test(arguments: shipped) func loadsByNameAndIsDeterministic(name: String, dataset: String) throws {
        let model = try ConditionalGenerator(named: name, models: Self.models)
        #expect(model.kind == .label(classCount: 10, imageSize: 28))
        let a = try model.generate(label: 7, count: 3, seed: 5), b = try model.generate(label: 7, count: 3, seed: 5)
        #expect(a.map { $0.samples } == b.map { $0.samples })
        #expect(try model.generate(label: 7, count: 3, seed: 6).map { $0.samples } != a.map { $0.samples })
        #expect(a.allSatisfy { $0.width == 28 && $0.height == 28 })
    }

    @Test(arguments: shipped) func samplesShowTheirClass(name: String, dataset: String) throws {
        let folder = DataLocation.root() + "/" + dataset
        guard FileManager.default.fileExists(atPath: folder) else {
            print("\(dataset) not found under GANKIT_DATA or ../shared/data: \(name)'s samples not checked")
            return
        }
        let test = try IDXDataset.load(directory: folder, split: .test)
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
        let model = try ConditionalGenerator(named: name, models: Self.models)
        var right = 0
        for label in 0..<10 {
            for image in try model.generate(label: label, count: 50, seed: 11) {
                #expect(image.layout == ChannelLayout.gray)
                if nearest((0..<784).map { Double(image.samples[$0]) }) == label { right += 1 }
            }
        }
        // The samples are at least as recognisable to this weak classifier as real images, less a margin.
        #expect(Double(right) / 500 >= Double(realRight) / 1000 - 0.05, "\(name): samples \(right)/500, real images \(realRight)/1000")
    }
}
