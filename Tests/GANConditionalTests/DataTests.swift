import Foundation
import GANCore
import Testing
@testable import GANConditional

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
/// `$GANKIT_DATA` or `<repo>/../shared/data`.
let dataRoot = DataLocation.root(currentDirectory: repositoryRoot)
/// Whether the MNIST files are present (tests that need them are skipped otherwise).
let mnistAvailable = FileManager.default.fileExists(atPath: "\(dataRoot)/mnist/t10k-images-idx3-ubyte.gz")

/// An IDX file in memory: magic, dimensions, payload.
private func idx(magic: UInt32, dimensions: [UInt32], payload: [UInt8]) -> [UInt8] {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    return be(magic) + dimensions.flatMap(be) + payload
}

@Test func idxParsesAndConvertsToMinusOneOne() throws {
    let images = try IDXFile(data: idx(magic: 2051, dimensions: [2, 2, 2], payload: [0, 255, 51, 204, 1, 2, 3, 4]),
                             expectedMagic: IDXFile.imagesMagic, fileName: "imgs")
    let labels = try IDXFile(data: idx(magic: 2049, dimensions: [2], payload: [3, 9]), expectedMagic: IDXFile.labelsMagic, fileName: "lbls")
    let data = try IDXDataset(images: images, labels: labels, imagesName: "imgs", labelsName: "lbls")
    #expect(data.count == 2 && data.labels == [3, 9] && data.height == 2)
    let t = data.images(at: [0])
    #expect(t.shape == [1, 1, 2, 2])
    #expect(t.scalars[0] == -1 && t.scalars[1] == 1 && abs(t.scalars[2] + 0.6) < 1e-6)
    let padded = data.images(at: [1], size: 4)
    #expect(padded.shape == [1, 1, 4, 4] && padded.scalars[0] == -1 && padded.scalars[5] == 1 / 127.5 - 1)
}

@Test func idxErrorsNameTheFileAndProblem() {
    #expect(throws: IDXError.badMagic(file: "f", found: 2049, expected: 2051)) {
        try IDXFile(data: idx(magic: 2049, dimensions: [1], payload: [0]), expectedMagic: 2051, fileName: "f")
    }
    #expect(throws: IDXError.wrongLength(file: "f", expectedBytes: 24, foundBytes: 23)) {
        try IDXFile(data: idx(magic: 2051, dimensions: [2, 2, 2], payload: [UInt8](repeating: 0, count: 7)), expectedMagic: 2051, fileName: "f")
    }
    #expect(throws: IDXError.self) {
        try IDXFile(data: idx(magic: 2051, dimensions: [0, 28, 28], payload: []), expectedMagic: 2051, fileName: "f")
    }
    #expect(throws: IDXError.self) {
        try IDXFile(data: [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5], expectedMagic: 2051, fileName: "f.gz")
    }
    let images = try! IDXFile(data: idx(magic: 2051, dimensions: [2, 1, 1], payload: [0, 0]), expectedMagic: 2051, fileName: "i")
    let three = try! IDXFile(data: idx(magic: 2049, dimensions: [3], payload: [0, 0, 0]), expectedMagic: 2049, fileName: "l")
    #expect(throws: IDXError.countMismatch(imagesFile: "i", labelsFile: "l", images: 2, labels: 3)) {
        try IDXDataset(images: images, labels: three, imagesName: "i", labelsName: "l")
    }
    let bad = try! IDXFile(data: idx(magic: 2049, dimensions: [2], payload: [0, 12]), expectedMagic: 2049, fileName: "l")
    #expect(throws: IDXError.labelOutOfRange(file: "l", index: 1, label: 12, classCount: 10)) {
        try IDXDataset(images: images, labels: bad, imagesName: "i", labelsName: "l")
    }
    #expect(throws: IDXError.missingData(path: "/nonexistent/mnist")) { try IDXDataset.load(directory: "/nonexistent/mnist") }
    #expect(IDXError.badMagic(file: "x.gz", found: 1, expected: 2051).description.contains("x.gz"))
}

@Test func gzipRejectsDamagedAndEmptyInput() throws {
    #expect(throws: GzipError.self) { try Gzip.decompress([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff], fileName: "bad.gz") }
    #expect(throws: GzipError.self) { try Gzip.decompress([], fileName: "empty.gz") }
}

@Test(.enabled(if: mnistAvailable, "MNIST not found under GANKIT_DATA or ../shared/data: skipped"))
func mnistTestSplitLoads() throws {
    let data = try IDXDataset.load(directory: "\(dataRoot)/mnist", split: .test)
    #expect(data.count == 10_000 && data.height == 28 && data.width == 28)
    #expect(data.classHistogram() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    #expect(data.labels.prefix(3) == [7, 2, 1])
    let batch = data.images(at: [0, 1], size: 32)
    #expect(batch.shape == [2, 1, 32, 32])
    #expect(batch.scalars.min()! == -1 && batch.scalars.max()! == 1)
    let fashion = try IDXDataset.load(directory: "\(dataRoot)/fashion-mnist", split: .test, limit: 100)
    #expect(fashion.count == 100)
}
