import GANTraining
import Foundation
import GANConditional

/// A trained label-conditional generator, loaded from a checkpoint folder (`state.json` + weights),
/// that draws images of a class. Deterministic under a seed; safe to call from several threads
/// (calls are serialised on an internal lock, as the network is not synchronised).
public final class LabelConditionalModel: @unchecked Sendable {
    private let sampler: ConditionalSampler
    private let lock = NSLock()
    /// The number of classes the model knows.
    public let classCount: Int
    /// Side of the square images it draws.
    public let imageSize: Int

    /// Loads the generator of the checkpoint folder `directory`.
    /// - Throws: `TrainingFolderError` naming the folder or file at fault.
    public init(directory: String) throws {
        let generator = try ConditionalGANTrainer.loadGenerator(from: directory)
        sampler = ConditionalSampler(generator: generator)
        (classCount, imageSize) = (generator.configuration.classCount, generator.configuration.imageSize)
    }

    /// `count` images of class `label`; the same seed gives the same images. With `truncation` T,
    /// latent components beyond ±T are redrawn.
    /// - Throws: `ConditionalTrainingRun.Failure.invalid` for a label outside 0..<classCount or count < 1.
    public func images(label: Int, count: Int, seed: UInt64, truncation: Float? = nil) throws -> [Image] {
        guard (0..<classCount).contains(label), count > 0 else {
            throw ConditionalTrainingRun.Failure.invalid("label must be in 0..<\(classCount) and count positive")
        }
        let tensor = lock.withLock { sampler.samples(labels: Array(repeating: label, count: count), seed: seed, truncation: truncation) }
        let (c, h, w) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let plane = c * h * w
        return try (0..<count).map { k in
            try Image(planes: FloatPlanes(channels: c, height: h, width: w, values: Array(tensor.scalars[k * plane..<(k + 1) * plane])))
        }
    }
}
