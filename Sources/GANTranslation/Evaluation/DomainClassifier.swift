import Foundation
import GANCore
import GANImageIO

/// A small CNN that tells the domains of a translation model apart (cats vs dogs) and gives the feature space
/// translation metrics (FID, KID) are measured in:
///
///     x [N, 3, s, s] → Conv 3×3 (w) → BN → ReLU
///       → Conv 3×3/2 (2w) → BN → ReLU → Conv 3×3/2 (4w) → BN → ReLU → Conv 3×3 (4w) → BN → ReLU
///       → Conv 3×3/2 (8w) → BN → ReLU → global average pool = features [N, 8w]
///       → Linear 8w → classCount = logits
///
/// Fully convolutional up to the pooling, so any input side works (64 for the cat-vs-dog classifier, smaller in
/// tests). Inputs are RGB in [-1, 1]. State-dict names: `conv1…conv5.*`, `bn1…bn5.*`, `fc.*`.
public final class DomainClassifier: Module, @unchecked Sendable {
    /// Channels of the first convolution (w).
    public let width: Int
    /// Number of classes (2: domain A = 0, domain B = 1).
    public let classCount: Int
    /// The convolutions.
    public let convolutions: [Conv2d]
    /// Their batch norms.
    public let norms: [BatchNorm2d]
    /// Features → logits.
    public let fc: Linear

    /// Size of `features(_:)`: 8 × width.
    public var featureSize: Int { 8 * width }

    /// Creates the network with PyTorch's default initialisation from `generator`.
    public init(classCount: Int = 2, width: Int = 32, using generator: inout SeededGenerator) {
        precondition(classCount >= 2 && width >= 1, "DomainClassifier: need classCount >= 2 and width >= 1")
        (self.classCount, self.width) = (classCount, width)
        let plan = [(3, width, 1), (width, 2 * width, 2), (2 * width, 4 * width, 2), (4 * width, 4 * width, 1), (4 * width, 8 * width, 2)]
        convolutions = plan.map { Conv2d(inChannels: $0.0, outChannels: $0.1, kernelSize: 3, stride: $0.2, padding: 1, bias: false, using: &generator) }
        norms = plan.map { BatchNorm2d(channels: $0.1) }
        fc = Linear(inFeatures: 8 * width, outFeatures: classCount, using: &generator)
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        var out: [(name: String, module: Module)] = []
        for k in convolutions.indices { out += [("conv\(k + 1)", convolutions[k]), ("bn\(k + 1)", norms[k])] }
        return out + [("fc", fc)]
    }

    /// Features [N, featureSize] of images [N, 3, s, s] (s ≥ 8), recording the graph.
    public func featureVariable(_ x: Variable) -> Variable {
        precondition(x.shape.count == 4 && x.shape[1] == 3 && x.shape[2] >= 8 && x.shape[2] == x.shape[3],
                     "DomainClassifier: expected [N, 3, s, s] with s >= 8, got \(x.shape)")
        var h = x
        for k in convolutions.indices { h = relu(norms[k](convolutions[k](h))) }
        return flatten(avgPool2d(h, kernel: h.shape[2]))
    }

    /// Logits [N, classCount], recording the graph.
    override public func forward(_ x: Variable) -> Variable { fc(featureVariable(x)) }

    /// Features and predicted classes of `images` [N, 3, s, s], in batches, without a graph.
    public func featuresAndPredictions(_ images: Tensor, batchSize: Int = 100) -> (features: Tensor, predictions: [Int]) {
        let n = images.shape[0], plane = images.count / max(n, 1)
        var features: [Float] = [], predictions: [Int] = []
        features.reserveCapacity(n * featureSize)
        withNoGrad {
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                var shape = images.shape
                shape[0] = end - start
                let f = featureVariable(Variable(Tensor(shape: shape, scalars: Array(images.scalars[start * plane..<end * plane]))))
                features += f.value.scalars
                predictions += Self.argmax(fc(f).value)
                start = end
            }
        }
        return (Tensor(shape: [n, featureSize], scalars: features), predictions)
    }

    /// The index of the largest entry of each row of [N, C].
    public static func argmax(_ logits: Tensor) -> [Int] {
        let c = logits.shape[1]
        return (0..<logits.shape[0]).map { r in
            var best = 0
            for j in 1..<c where logits.scalars[r * c + j] > logits.scalars[r * c + best] { best = j }
            return best
        }
    }
}

/// How images reach a `DomainClassifier`: the shorter side is resized to `loadSize` and the centre square kept;
/// training takes a random `inputSize` crop of it (and a random flip), evaluation the centre one.
public struct DomainImagePreparation: Sendable, Equatable, Codable {
    /// The side of the network input.
    public var inputSize: Int
    /// The side the square is resized to before cropping.
    public var loadSize: Int

    /// Creates the preparation; `loadSize` defaults to inputSize × 9/8.
    public init(inputSize: Int = 64, loadSize: Int? = nil) {
        self.inputSize = inputSize
        self.loadSize = max(inputSize, loadSize ?? inputSize * 9 / 8)
    }

    /// The image's shorter side resized to `side` (area averaging when shrinking), then its centre square.
    public static func centreSquare(_ image: Image, side: Int) throws(ImageIOError) -> Image {
        let scale = Double(side) / Double(min(image.width, image.height))
        let w = max(side, Int((Double(image.width) * scale).rounded())), h = max(side, Int((Double(image.height) * scale).rounded()))
        return try image.resized(width: w, height: h, filter: .bicubic).centerCropped(width: side, height: side)
    }

    /// The `loadSize` square of an image, as RGB planes in [-1, 1] ([3 · loadSize²] values).
    public func loadSquare(_ image: Image) throws(ImageIOError) -> [Float] {
        try Self.centreSquare(image.converted(to: .rgb), side: loadSize).colorPlanes().values
    }

    /// The network input of an image for evaluation ([1, 3, inputSize, inputSize]).
    public func evaluationInput(_ image: Image) throws(ImageIOError) -> Tensor {
        crop(try loadSquare(image), x: (loadSize - inputSize) / 2, y: (loadSize - inputSize) / 2, flip: false)
    }

    /// An `inputSize` crop at (x, y) of `loadSize`-square planes, mirrored when `flip`.
    public func crop(_ planes: [Float], x: Int, y: Int, flip: Bool) -> Tensor {
        let (l, s) = (loadSize, inputSize)
        var out = [Float](repeating: 0, count: 3 * s * s)
        for c in 0..<3 {
            for r in 0..<s {
                for i in 0..<s {
                    out[(c * s + r) * s + i] = planes[(c * l + y + r) * l + x + (flip ? s - 1 - i : i)]
                }
            }
        }
        return Tensor(shape: [1, 3, s, s], scalars: out)
    }
}
