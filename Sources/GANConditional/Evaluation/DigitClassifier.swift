import Foundation
import GANCore

/// A small CNN that classifies 28×28 grey images (MNIST, Fashion-MNIST) and gives the feature
/// space GAN metrics are measured in:
///
///     x [N, 1, 28, 28] → Conv 3×3 (32) → ReLU → Conv 3×3/2 (64) → ReLU → [N, 64, 14, 14]
///       → Conv 3×3/2 (64) → ReLU → [N, 64, 7, 7] → flatten
///       → Linear 3136 → 128 → ReLU  = features (the penultimate layer)
///       → Linear 128 → 10           = logits
///
/// Strided convolutions stand in for pooling (cheaper on CPU). Inputs are in [-1, 1] as
/// `IDXDataset` and the generators give them; 32×32 inputs are centre-cropped to 28×28.
/// State-dict names: `conv1.*`, `conv2.*`, `conv3.*`, `fc1.*`, `fc2.*`.
public final class DigitClassifier: Module, @unchecked Sendable {
    /// Side of the images the network takes.
    public static let imageSize = 28
    /// Size of `features(_:)`.
    public let featureSize: Int
    /// Number of classes.
    public let classCount: Int
    /// First convolution.
    public let conv1: Conv2d
    /// Second convolution.
    public let conv2: Conv2d
    /// Third convolution.
    public let conv3: Conv2d
    /// Flattened maps → features.
    public let fc1: Linear
    /// Features → logits.
    public let fc2: Linear

    /// Creates the network with PyTorch's default initialisation from `generator`.
    public init(classCount: Int = 10, featureSize: Int = 128, using generator: inout SeededGenerator) {
        (self.classCount, self.featureSize) = (classCount, featureSize)
        conv1 = Conv2d(inChannels: 1, outChannels: 32, kernelSize: 3, stride: 1, padding: 1, using: &generator)
        conv2 = Conv2d(inChannels: 32, outChannels: 64, kernelSize: 3, stride: 2, padding: 1, using: &generator)
        conv3 = Conv2d(inChannels: 64, outChannels: 64, kernelSize: 3, stride: 2, padding: 1, using: &generator)
        fc1 = Linear(inFeatures: 64 * 7 * 7, outFeatures: featureSize, using: &generator)
        fc2 = Linear(inFeatures: featureSize, outFeatures: classCount, using: &generator)
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("fc1", fc1), ("fc2", fc2)]
    }

    /// Features [N, featureSize] (after the ReLU) of images [N, 1, 28, 28], recording the graph.
    public func featureVariable(_ x: Variable) -> Variable {
        precondition(x.shape.count == 4 && x.shape[1] == 1 && x.shape[2] == Self.imageSize && x.shape[3] == Self.imageSize,
                     "DigitClassifier: expected [N, 1, 28, 28], got \(x.shape)")
        let h = relu(conv3(relu(conv2(relu(conv1(x))))))
        return relu(fc1(flatten(h)))
    }

    /// Logits [N, classCount], recording the graph.
    override public func forward(_ x: Variable) -> Variable { fc2(featureVariable(x)) }

    /// Features of `images` [N, 1, s, s] (s = 28, or larger and centre-cropped), in batches, without a graph.
    public func features(_ images: Tensor, batchSize: Int = 500) -> Tensor {
        run(images, batchSize: batchSize, width: featureSize) { featureVariable($0) }
    }

    /// Logits of `images`, in batches, without a graph.
    public func logits(_ images: Tensor, batchSize: Int = 500) -> Tensor {
        run(images, batchSize: batchSize, width: classCount) { forward($0) }
    }

    /// The most likely class of each image.
    public func predict(_ images: Tensor, batchSize: Int = 500) -> [Int] {
        Self.argmax(logits(images, batchSize: batchSize))
    }

    /// Features and predicted classes together (one pass).
    public func featuresAndPredictions(_ images: Tensor, batchSize: Int = 500) -> (features: Tensor, predictions: [Int]) {
        var predictions: [Int] = []
        let features = run(images, batchSize: batchSize, width: featureSize) { x in
            let f = featureVariable(x)
            predictions += Self.argmax(fc2(f).value)
            return f
        }
        return (features, predictions)
    }

    /// The index of the largest entry of each row of [N, C].
    public static func argmax(_ rows: Tensor) -> [Int] {
        let c = rows.shape[1]
        return (0..<rows.shape[0]).map { r in
            var best = 0
            for j in 1..<c where rows.scalars[r * c + j] > rows.scalars[r * c + best] { best = j }
            return best
        }
    }

    /// Centre-crops [N, 1, s, s] to 28×28 (no copy when s = 28).
    public static func cropped(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 1 && images.shape[2] == images.shape[3] && images.shape[2] >= imageSize,
                     "DigitClassifier: expected grey square images of at least 28×28, got \(images.shape)")
        let s = images.shape[2]
        if s == imageSize { return images }
        let offset = (s - imageSize) / 2, n = images.shape[0]
        var values = [Float](repeating: 0, count: n * imageSize * imageSize)
        for k in 0..<n {
            for y in 0..<imageSize {
                for x in 0..<imageSize {
                    values[(k * imageSize + y) * imageSize + x] = images.scalars[(k * s + y + offset) * s + x + offset]
                }
            }
        }
        return Tensor(shape: [n, 1, imageSize, imageSize], scalars: values)
    }

    private func run(_ images: Tensor, batchSize: Int, width: Int, _ body: (Variable) -> Variable) -> Tensor {
        let input = Self.cropped(images)
        let n = input.shape[0], plane = Self.imageSize * Self.imageSize
        var out: [Float] = []
        out.reserveCapacity(n * width)
        withNoGrad {
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                let batch = Tensor(shape: [end - start, 1, Self.imageSize, Self.imageSize],
                                   scalars: Array(input.scalars[start * plane..<end * plane]))
                out += body(Variable(batch)).value.scalars
                start = end
            }
        }
        return Tensor(shape: [n, width], scalars: out)
    }
}
