import GANCore

/// Labelled images a conditional GAN trains on: `IDXDataset` (MNIST-style files) or
/// `ImageFolderDataset` (one subfolder per class).
public protocol LabeledImageDataset: Sendable {
    /// The number of images.
    var count: Int { get }
    /// The label of each image, in 0..<classCount.
    var labels: [Int] { get }
    /// The number of classes.
    var classCount: Int { get }
    /// Channels per image (1 grey, 3 colour).
    var channels: Int { get }
    /// The images at `indices` as [indices.count, channels, size, size] in [-1, 1]; `nil`: the stored size.
    func images(at indices: [Int], size: Int?) -> Tensor
}

extension IDXDataset: LabeledImageDataset {
    /// IDX images are grey.
    public var channels: Int { 1 }
}
