import Foundation
import GANCore
import GANImageIO

/// A CNN that tells the domains of a translation model apart (cats vs dogs) and gives the feature space translation
/// metrics (FID, KID) are measured in. Two architectures:
///
///     plain:    x [N, 3, s, s] → Conv 3×3 (w) → BN → ReLU
///                 → Conv 3×3/2 (2w) → BN → ReLU → Conv 3×3/2 (4w) → BN → ReLU → Conv 3×3 (4w) → BN → ReLU
///                 → Conv 3×3/2 (8w) → BN → ReLU → global average pool = features [N, 8w] → Linear 8w → classes
///     residual: x → Conv 3×3/2 (w) → BN → ReLU → stages of basic blocks at w, 2w, 4w, 8w channels (each stage after
///                 the first halves the side), block = ReLU(BN(Conv 3×3(ReLU(BN(Conv 3×3(h))))) + shortcut(h)),
///                 shortcut = BN(Conv 1×1/2) where the shape changes → global average pool [N, 8w] → Linear
///
/// Fully convolutional up to the pooling, so any input side works (128 for the cat-vs-dog judge, smaller in tests).
/// Inputs are RGB in [-1, 1]. State-dict names: plain `conv1…conv5.*`, `bn1…bn5.*`, `fc.*`; residual `stem.*`,
/// `bnStem.*`, `stage<k>.<j>.conv1|bn1|conv2|bn2|shortcut|bnShortcut.*`, `fc.*`.
public final class DomainClassifier: Module, @unchecked Sendable {
    /// The network's layout.
    public enum Architecture: String, Codable, Sendable, CaseIterable {
        /// Five 3×3 convolutions with batch norm (the first judge).
        case plain
        /// A small ResNet: a stride-2 stem and four stages of basic blocks.
        case residual
    }

    /// Channels of the first convolution (w).
    public let width: Int
    /// Number of classes (2: domain A = 0, domain B = 1).
    public let classCount: Int
    /// The layout.
    public let architecture: Architecture
    /// Plain: the convolutions (residual: the stem alone).
    public let convolutions: [Conv2d]
    /// Their batch norms.
    public let norms: [BatchNorm2d]
    /// Residual: the blocks of each stage.
    public let stages: [[ClassifierResidualBlock]]
    /// Features → logits.
    public let fc: Linear
    /// Whether predictions average the logits of the image and its mirror image (test-time flips).
    public var averagesFlips = false

    /// Size of `features(_:)`: 8 × width.
    public var featureSize: Int { 8 * width }

    /// Creates the network with PyTorch's default initialisation from `generator`; `blocksPerStage` is for residual.
    public init(classCount: Int = 2, width: Int = 32, architecture: Architecture = .plain, blocksPerStage: Int = 1,
                using generator: inout SeededGenerator) {
        precondition(classCount >= 2 && width >= 1 && blocksPerStage >= 1, "DomainClassifier: need classCount >= 2, width >= 1, blocks >= 1")
        (self.classCount, self.width, self.architecture) = (classCount, width, architecture)
        switch architecture {
        case .plain:
            let plan = [(3, width, 1), (width, 2 * width, 2), (2 * width, 4 * width, 2), (4 * width, 4 * width, 1), (4 * width, 8 * width, 2)]
            convolutions = plan.map { Conv2d(inChannels: $0.0, outChannels: $0.1, kernelSize: 3, stride: $0.2, padding: 1, bias: false, using: &generator) }
            norms = plan.map { BatchNorm2d(channels: $0.1) }
            stages = []
        case .residual:
            convolutions = [Conv2d(inChannels: 3, outChannels: width, kernelSize: 3, stride: 2, padding: 1, bias: false, using: &generator)]
            norms = [BatchNorm2d(channels: width)]
            var built: [[ClassifierResidualBlock]] = [], channels = width
            for (k, out) in [width, 2 * width, 4 * width, 8 * width].enumerated() {
                built.append((0..<blocksPerStage).map { j in
                    defer { channels = out }
                    return ClassifierResidualBlock(inChannels: channels, outChannels: out, stride: k > 0 && j == 0 ? 2 : 1, using: &generator)
                })
            }
            stages = built
        }
        fc = Linear(inFeatures: 8 * width, outFeatures: classCount, using: &generator)
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        var out: [(name: String, module: Module)] = []
        switch architecture {
        case .plain:
            for k in convolutions.indices { out += [("conv\(k + 1)", convolutions[k]), ("bn\(k + 1)", norms[k])] }
        case .residual:
            out += [("stem", convolutions[0]), ("bnStem", norms[0])]
            for (k, stage) in stages.enumerated() {
                for (j, block) in stage.enumerated() { out.append(("stage\(k + 1).\(j)", block)) }
            }
        }
        return out + [("fc", fc)]
    }

    /// Features [N, featureSize] of images [N, 3, s, s] (s ≥ 8), recording the graph.
    public func featureVariable(_ x: Variable) -> Variable {
        precondition(x.shape.count == 4 && x.shape[1] == 3 && x.shape[2] >= 8 && x.shape[2] == x.shape[3],
                     "DomainClassifier: expected [N, 3, s, s] with s >= 8, got \(x.shape)")
        var h = x
        for k in convolutions.indices { h = relu(norms[k](convolutions[k](h))) }
        for stage in stages { for block in stage { h = block(h) } }
        return flatten(avgPool2d(h, kernel: h.shape[2]))
    }

    /// Logits [N, classCount], recording the graph.
    override public func forward(_ x: Variable) -> Variable { fc(featureVariable(x)) }

    /// Features and predicted classes of `images` [N, 3, s, s], in batches, without a graph. With `averagesFlips` the
    /// predictions average the logits of each image and its mirror image (the features are the image's own).
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
                let batch = Tensor(shape: shape, scalars: Array(images.scalars[start * plane..<end * plane]))
                let f = featureVariable(Variable(batch))
                features += f.value.scalars
                var logits = fc(f).value
                if averagesFlips {
                    let mirrored = fc(featureVariable(Variable(Self.mirrored(batch)))).value
                    logits = Tensor(shape: logits.shape, scalars: zip(logits.scalars, mirrored.scalars).map { ($0 + $1) / 2 })
                }
                predictions += Self.argmax(logits)
                start = end
            }
        }
        return (Tensor(shape: [n, featureSize], scalars: features), predictions)
    }

    /// Images [N, C, H, W] mirrored left to right.
    public static func mirrored(_ images: Tensor) -> Tensor {
        let w = images.shape[3]
        var out = images.scalars
        for row in 0..<(images.count / w) {
            for i in 0..<w { out[row * w + i] = images.scalars[row * w + w - 1 - i] }
        }
        return Tensor(shape: images.shape, scalars: out)
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

/// A basic residual block of `DomainClassifier`'s residual layout:
///
///     y = ReLU(BN₂(Conv₂ 3×3(ReLU(BN₁(Conv₁ 3×3/stride(x))))) + shortcut(x)),
///     shortcut(x) = x, or BN(Conv 1×1/stride(x)) where the channels or the side change.
public final class ClassifierResidualBlock: Module, @unchecked Sendable {
    /// The first convolution (it carries the stride).
    public let conv1: Conv2d
    /// Its batch norm.
    public let bn1: BatchNorm2d
    /// The second convolution.
    public let conv2: Conv2d
    /// Its batch norm.
    public let bn2: BatchNorm2d
    /// The projection where the shape changes.
    public let shortcut: (conv: Conv2d, norm: BatchNorm2d)?

    /// A block from `inChannels` to `outChannels`, `stride` 1 or 2.
    public init(inChannels: Int, outChannels: Int, stride: Int, using generator: inout SeededGenerator) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false, using: &generator)
        bn1 = BatchNorm2d(channels: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, stride: 1, padding: 1, bias: false, using: &generator)
        bn2 = BatchNorm2d(channels: outChannels)
        shortcut = stride == 1 && inChannels == outChannels ? nil
            : (Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, padding: 0, bias: false, using: &generator),
               BatchNorm2d(channels: outChannels))
    }

    /// Child modules with their names.
    override public var children: [(name: String, module: Module)] {
        var out: [(name: String, module: Module)] = [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
        if let shortcut { out += [("shortcut", shortcut.conv), ("bnShortcut", shortcut.norm)] }
        return out
    }

    /// The block's output, recording the graph.
    override public func forward(_ x: Variable) -> Variable {
        let h = bn2(conv2(relu(bn1(conv1(x)))))
        return relu(h + (shortcut.map { $0.norm($0.conv(x)) } ?? x))
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

    /// A training input with strong augmentation, from `loadSize`-square planes: a random crop of 35-100% of the
    /// square's area with aspect ratio 3/4 to 4/3, resized to `inputSize` (bilinear), mirrored half the time, then
    /// colour jitter as torchvision's ColorJitter(0.2, 0.2, 0.2) does it on [0, 1] values: brightness, contrast (around
    /// the mean grey), saturation (around each pixel's grey), each by a factor in [0.8, 1.2], clamped.
    public func augmentedCrop(_ planes: [Float], using random: inout SeededGenerator) -> Tensor {
        let (l, s) = (loadSize, inputSize)
        let area = Float.random(in: 0.35...1, using: &random) * Float(l * l)
        let ratio = exp(Float.random(in: log(Float(3) / 4)...log(Float(4) / 3), using: &random))
        let cw = min(l, max(1, Int((area * ratio).squareRoot().rounded()))), ch = min(l, max(1, Int((area / ratio).squareRoot().rounded())))
        let x0 = Int.random(in: 0...(l - cw), using: &random), y0 = Int.random(in: 0...(l - ch), using: &random)
        let flip = Bool.random(using: &random)
        let factors = (0..<3).map { _ in Float.random(in: 0.8...1.2, using: &random) }
        var out = [Float](repeating: 0, count: 3 * s * s)
        for r in 0..<s {
            let y = min(max((Float(r) + 0.5) * Float(ch) / Float(s) - 0.5, 0), Float(ch - 1)) + Float(y0)
            let ya = Int(y), yb = min(ya + 1, l - 1), fy = y - Float(ya)
            for i in 0..<s {
                let x = min(max((Float(flip ? s - 1 - i : i) + 0.5) * Float(cw) / Float(s) - 0.5, 0), Float(cw - 1)) + Float(x0)
                let xa = Int(x), xb = min(xa + 1, l - 1), fx = x - Float(xa)
                for c in 0..<3 {
                    let p = c * l * l
                    let top = planes[p + ya * l + xa] * (1 - fx) + planes[p + ya * l + xb] * fx
                    let bottom = planes[p + yb * l + xa] * (1 - fx) + planes[p + yb * l + xb] * fx
                    // To [0, 1] and brightness.
                    out[(c * s + r) * s + i] = min(max(((top * (1 - fy) + bottom * fy) + 1) / 2 * factors[0], 0), 1)
                }
            }
        }
        let n = s * s
        let grey = { (k: Int) in 0.299 * out[k] + 0.587 * out[n + k] + 0.114 * out[2 * n + k] }
        let meanGrey = (0..<n).reduce(Float(0)) { $0 + grey($1) } / Float(n)
        for k in 0..<n {
            for c in 0..<3 { out[c * n + k] = min(max((out[c * n + k] - meanGrey) * factors[1] + meanGrey, 0), 1) }
            let g = grey(k)
            for c in 0..<3 { out[c * n + k] = min(max((out[c * n + k] - g) * factors[2] + g, 0), 1) * 2 - 1 }
        }
        return Tensor(shape: [1, 3, s, s], scalars: out)
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
