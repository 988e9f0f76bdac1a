import GANCore
import GANImageIO
import GANTraining

/// Draws images from a trained generator: z ~ N(0, I) from a seed, batch norm in evaluation mode.
public struct ConditionalSampler {
    /// The network sampled from.
    public let generator: LabelConditionalGenerator

    /// Wraps `generator`.
    public init(generator: LabelConditionalGenerator) { self.generator = generator }

    /// Replaces the generator's batch-norm running statistics with standing statistics (`StandingStatistics`):
    /// their mean over `passes` training-mode batches of `batchSize` latents with labels drawn uniformly, as in
    /// training. Changes the shared generator's buffers; sampling after it is deterministic again.
    public func standStatistics(passes: Int, batchSize: Int = 64, seed: UInt64 = 0x5747) {
        var random = SeededGenerator(seed: seed)
        let (classCount, latentSize) = (generator.configuration.classCount, generator.configuration.latentSize)
        StandingStatistics.recompute(generator, passes: passes) { _ in
            let labels = (0..<batchSize).map { _ in Int(random.next() % UInt64(classCount)) }
            _ = generator(Variable(Tensor.randomNormal([batchSize, latentSize], using: &random)), labels: labels)
        }
    }

    /// Latents [count, latentSize] from `seed`: z ~ N(0, I), or with `truncation` T every component
    /// with |z| > T redrawn until it falls inside (the truncation trick, BigGAN).
    public func latents(count: Int, seed: UInt64, truncation: Float? = nil) -> Tensor {
        var random = SeededGenerator(seed: seed)
        var z = Tensor.randomNormal([count, generator.configuration.latentSize], using: &random)
        if let truncation {
            precondition(truncation > 0, "ConditionalSampler: truncation must be positive")
            for i in z.scalars.indices {
                while abs(z.scalars[i]) > truncation { z.scalars[i] = random.nextNormal() }
            }
        }
        return z
    }

    /// Images [labels.count, channels, size, size] in [-1, 1]; the same seed and labels give the same images.
    public func samples(labels: [Int], seed: UInt64, truncation: Float? = nil) -> Tensor {
        images(latents: latents(count: labels.count, seed: seed, truncation: truncation), labels: labels)
    }

    /// Discriminator rejection: `count` images of class `label` kept from `candidates` ≥ `count` drawn from `seed` (as
    /// `samples` draws them): those `critic` scores highest (its adversarial logit, in evaluation mode), in the order
    /// they were drawn. Shifts the samples towards what the discriminator finds real (Azadi et al. 2019 accept by a
    /// calibrated probability; this keeps a fixed top fraction, so the count and the result are deterministic).
    public func bestSamples(label: Int, count: Int, candidates: Int, seed: UInt64, truncation: Float? = nil,
                            critic: ConditionalDiscriminator) -> Tensor {
        precondition(count >= 1 && candidates >= count, "ConditionalSampler: keep \(count) of \(candidates) candidates")
        let drawn = samples(labels: Array(repeating: label, count: candidates), seed: seed, truncation: truncation)
        let wasTraining = critic.isTraining
        critic.eval()
        defer { critic.train(wasTraining) }
        let perImage = drawn.count / candidates
        var logits: [Float] = []
        for start in stride(from: 0, to: candidates, by: 250) {
            let n = min(250, candidates - start)
            let chunk = Tensor(shape: [n] + drawn.shape.dropFirst(), scalars: Array(drawn.scalars[start * perImage..<(start + n) * perImage]))
            logits += withNoGrad { critic(Variable(chunk), labels: Array(repeating: label, count: n)) }.value.scalars
        }
        let kept = highestIndices(logits, count: count)
        return Tensor(shape: [count] + drawn.shape.dropFirst(), scalars: kept.flatMap { drawn.scalars[$0 * perImage..<($0 + 1) * perImage] })
    }

    /// A latent walk: `steps` images of class `label` on the straight line from the latent of
    /// `seed` to the latent of `endSeed`.
    public func interpolation(label: Int, seed: UInt64, endSeed: UInt64, steps: Int, truncation: Float? = nil) -> Tensor {
        precondition(steps >= 2, "ConditionalSampler: an interpolation needs at least 2 steps")
        let a = latents(count: 1, seed: seed, truncation: truncation).scalars
        let b = latents(count: 1, seed: endSeed, truncation: truncation).scalars
        let values = (0..<steps).flatMap { k -> [Float] in
            let t = Float(k) / Float(steps - 1)
            return zip(a, b).map { (1 - t) * $0 + t * $1 }
        }
        return images(latents: Tensor(shape: [steps, a.count], scalars: values), labels: Array(repeating: label, count: steps))
    }

    /// The generator's images for the given latents [N, latentSize] and labels, in evaluation mode.
    public func images(latents: Tensor, labels: [Int]) -> Tensor {
        let z = Variable(latents)
        let wasTraining = generator.isTraining
        generator.eval()
        defer { generator.train(wasTraining) }
        return withNoGrad { generator(z, labels: labels) }.value
    }
}

extension ConditionalSampler {
    /// One row per class (0..<classCount), `perClass` samples in each; latents from `seed`.
    public func classGrid(perClass: Int, seed: UInt64, truncation: Float? = nil) -> Tensor {
        let labels = (0..<generator.configuration.classCount).flatMap { Array(repeating: $0, count: perClass) }
        return samples(labels: labels, seed: seed, truncation: truncation)
    }

    /// Writes the per-class grid (one row per class) as a PNG.
    /// - Throws: `ImageIOError` naming `path`.
    public func writeClassGrid(to path: String, perClass: Int = 8, seed: UInt64 = 0, truncation: Float? = nil) throws(ImageIOError) {
        try SampleGrid.write(classGrid(perClass: perClass, seed: seed, truncation: truncation), columns: perClass, to: path)
    }
}
