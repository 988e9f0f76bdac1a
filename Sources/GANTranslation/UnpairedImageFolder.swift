import Foundation
import GANCore
import GANImageIO

/// Two unpaired lists of training images (domain A and domain B), read in a seeded order.
///
/// An epoch has max(|A|, |B|) items. Item `i` of epoch `e` pairs `A[πA(e)[i mod |A|]]` with
/// `B[πB(e)[i mod |B|]]`, where πA(e) and πB(e) are independent shuffles drawn from (seed, e). Crops and flips
/// draw from (seed, e, i). So the order and augmentation are pure functions of (seed, epoch, index): resuming at
/// a saved (epoch, index) continues exactly, with no generator state to save.
///
/// A file that cannot be decoded is reported once through `warn` and skipped (the next file of the same
/// domain takes its place); only a domain with no readable file at all is an error.
public struct UnpairedImageFolder: Sendable {
    /// Image paths of domain A, in a fixed (sorted) order.
    public let pathsA: [String]
    /// Image paths of domain B, in a fixed (sorted) order.
    public let pathsB: [String]
    /// Resizing and cropping.
    public var preprocessing: Preprocessing
    /// Whether to flip horizontally with probability 1/2 (`not --no_flip`).
    public var flip: Bool
    /// Seed of the order and of the augmentation.
    public let seed: UInt64
    /// Where warnings about unreadable files go (stderr by default).
    public var warn: @Sendable (String) -> Void
    /// Paths found unreadable so far (each is reported once).
    public private(set) var badPaths: Set<String> = []

    /// Creates the data source.
    /// - Throws: `DataError.emptyDomain` when a list is empty.
    public init(pathsA: [String], pathsB: [String], preprocessing: Preprocessing = .resizeAndCrop(loadSize: 286, cropSize: 256),
                flip: Bool = true, seed: UInt64 = 0,
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("warning: " + $0 + "\n").utf8)) }) throws(DataError) {
        guard !pathsA.isEmpty else { throw .emptyDomain("A") }
        guard !pathsB.isEmpty else { throw .emptyDomain("B") }
        self.pathsA = pathsA.sorted()
        self.pathsB = pathsB.sorted()
        self.preprocessing = preprocessing
        self.flip = flip
        self.seed = seed
        self.warn = warn
    }

    /// Items per epoch: the larger domain's size.
    public var count: Int { max(pathsA.count, pathsB.count) }

    /// The shuffled order of `domain` (0 = A, 1 = B) in `epoch`.
    public func order(domain: Int, epoch: Int) -> [Int] {
        var indices = Array(0..<(domain == 0 ? pathsA.count : pathsB.count))
        var rng = CheckpointableGenerator(seed: seed, epoch, -1 - domain)
        indices.shuffle(using: &rng)
        return indices
    }

    /// The pair at `index` of `epoch`, each [1, 3, H, W] in [-1, 1].
    /// - Throws: `DataError.noReadableImage` when every file of a domain fails to decode.
    public mutating func pair(epoch: Int, index: Int) throws(DataError) -> (a: Tensor, b: Tensor, pathA: String, pathB: String) {
        var rng = CheckpointableGenerator(seed: seed, epoch, index)
        let (a, pathA) = try load(domain: 0, epoch: epoch, index: index, using: &rng)
        let (b, pathB) = try load(domain: 1, epoch: epoch, index: index, using: &rng)
        return (a, b, pathA, pathB)
    }

    /// Decodes and preprocesses one image of a domain, moving on to the next file of the epoch's order when one fails.
    private mutating func load(domain: Int, epoch: Int, index: Int, using rng: inout CheckpointableGenerator) throws(DataError) -> (Tensor, String) {
        let paths = domain == 0 ? pathsA : pathsB
        let order = order(domain: domain, epoch: epoch)
        for attempt in 0..<paths.count {
            let path = paths[order[(index + attempt) % paths.count]]
            if badPaths.contains(path) { continue }
            do {
                let image = try Image(contentsOf: path)
                return (try preprocessing.apply(to: image, flip: flip, using: &rng).rgbTensor(), path)
            } catch {
                badPaths.insert(path)
                warn("skipping \(error)")
            }
        }
        throw .noReadableImage(domain == 0 ? "A" : "B")
    }

    /// Lists the images (PNG, JPEG) directly inside `folder`, sorted; use GANKit's `BatchInputs` for globs and recursion.
    public static func imagePaths(in folder: String) -> [String] {
        ImageFiles.list(in: folder)
    }
}

/// Problems with a training data source.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A domain has no image files.
    case emptyDomain(String)
    /// Every image of a domain failed to decode.
    case noReadableImage(String)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .emptyDomain(d): "domain \(d) has no images"
        case let .noReadableImage(d): "no image of domain \(d) could be read"
        }
    }
}
