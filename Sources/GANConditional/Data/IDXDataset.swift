import Foundation
import GANCore

/// A labelled image dataset in IDX files (MNIST, Fashion-MNIST): N grey images of H×W pixels and
/// N labels in 0..<classCount. Pixels are kept as bytes (47 MB for MNIST's training set) and turned
/// into tensors in [-1, 1] per batch: x = byte / 127.5 - 1.
public struct IDXDataset: Sendable {
    /// The two standard splits.
    public enum Split: String, Sendable, CaseIterable {
        /// `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz` (60 000 items).
        case train
        /// `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` (10 000 items).
        case test

        /// The file-name prefix of this split.
        public var prefix: String { self == .train ? "train" : "t10k" }
    }

    /// The pixels, `count × height × width` bytes, 0 = background.
    public let pixels: [UInt8]
    /// The label of each image.
    public let labels: [Int]
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// The number of classes (10 for MNIST and Fashion-MNIST).
    public let classCount: Int

    /// The number of images.
    public var count: Int { labels.count }

    /// Reads an images file and a labels file (raw or `.gz`) and checks that they agree.
    /// `limit` keeps only the first `limit` items.
    /// - Throws: `IDXError` naming the offending file.
    public init(imagesFile: String, labelsFile: String, classCount: Int = 10, limit: Int? = nil) throws(IDXError) {
        let images = try IDXFile(contentsOf: imagesFile, expectedMagic: IDXFile.imagesMagic)
        let labels = try IDXFile(contentsOf: labelsFile, expectedMagic: IDXFile.labelsMagic)
        try self.init(images: images, labels: labels, imagesName: imagesFile, labelsName: labelsFile,
                      classCount: classCount, limit: limit)
    }

    /// Builds a dataset from parsed files; the names are used in errors.
    /// - Throws: `IDXError`.
    public init(images: IDXFile, labels: IDXFile, imagesName: String, labelsName: String,
                classCount: Int = 10, limit: Int? = nil) throws(IDXError) {
        guard images.dimensions.count == 3 else {
            throw .badDimensions(file: imagesName, detail: "images need 3 dimensions, got \(images.dimensions)")
        }
        guard labels.dimensions.count == 1 else {
            throw .badDimensions(file: labelsName, detail: "labels need 1 dimension, got \(labels.dimensions)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw .countMismatch(imagesFile: imagesName, labelsFile: labelsName, images: images.dimensions[0], labels: labels.dimensions[0])
        }
        let n = min(images.dimensions[0], limit ?? Int.max)
        for (index, label) in labels.bytes.prefix(n).enumerated() where Int(label) >= classCount {
            throw .labelOutOfRange(file: labelsName, index: index, label: Int(label), classCount: classCount)
        }
        (height, width, self.classCount) = (images.dimensions[1], images.dimensions[2], classCount)
        pixels = Array(images.bytes.prefix(n * height * width))
        self.labels = labels.bytes.prefix(n).map(Int.init)
    }

    /// Loads `split` of the dataset in `directory` (e.g. `…/shared/data/mnist`).
    /// - Throws: `IDXError.missingData` when a file is absent, other `IDXError`s when one is damaged.
    public static func load(directory: String, split: Split = .train, limit: Int? = nil) throws(IDXError) -> IDXDataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw .missingData(path: directory)
        }
        return try IDXDataset(imagesFile: file("images-idx3-ubyte", of: split, in: directory),
                              labelsFile: file("labels-idx1-ubyte", of: split, in: directory), limit: limit)
    }

    /// Whether `directory` holds the images file of `split` (raw or .gz): IDX data rather than, say, class folders.
    public static func isPresent(in directory: String, split: Split = .train) -> Bool {
        FileManager.default.fileExists(atPath: file("images-idx3-ubyte", of: split, in: directory))
    }

    /// `<directory>/<split prefix>-<kind>`, or the same with `.gz` when the raw file is absent.
    private static func file(_ kind: String, of split: Split, in directory: String) -> String {
        let base = "\(directory)/\(split.prefix)-\(kind)"
        return FileManager.default.fileExists(atPath: base) ? base : base + ".gz"
    }

    /// The images at `indices` as [indices.count, 1, size, size] in [-1, 1], centred and padded with
    /// background (-1) when `size` exceeds the stored size (28 → 32 for DCGAN-style nets).
    public func images(at indices: [Int], size: Int? = nil) -> Tensor {
        let side = size ?? height
        precondition(side >= height && side >= width, "IDXDataset.images: size \(side) is smaller than \(height)x\(width)")
        let top = (side - height) / 2, left = (side - width) / 2
        var values = [Float](repeating: -1, count: indices.count * side * side)
        for (k, index) in indices.enumerated() {
            let source = index * height * width, target = k * side * side
            for y in 0..<height {
                for x in 0..<width {
                    values[target + (y + top) * side + x + left] = Float(pixels[source + y * width + x]) / 127.5 - 1
                }
            }
        }
        return Tensor(shape: [indices.count, 1, side, side], scalars: values)
    }

    /// Every image as one tensor [count, 1, height, width] in [-1, 1].
    public var images: Tensor { images(at: Array(0..<count)) }

    /// How many images each class has.
    public func classHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[label] += 1 }
        return histogram
    }
}

/// Where the datasets live: `$GANKIT_DATA`, else `../shared/data` beside the repository root (the
/// nearest folder above the current directory holding `Package.swift`), else `../shared/data`.
public enum DataLocation {
    /// The data root folder (holding `mnist/`, `fashion-mnist/`, ...).
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment,
                            currentDirectory: String = FileManager.default.currentDirectoryPath) -> String {
        if let path = environment["GANKIT_DATA"], !path.isEmpty { return path }
        var folder = URL(fileURLWithPath: currentDirectory)
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder.deletingLastPathComponent().appendingPathComponent("shared/data").path
            }
            folder.deleteLastPathComponent()
        }
        return "../shared/data"
    }
}
