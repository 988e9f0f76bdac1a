import Foundation
import GANConditional
import GANCore

/// A label-GAN training recipe timed by `gantool bench` (and built the same way by tools/bench_reference.py).
public struct LabelGANRecipe: Codable, Sendable {
    /// Short name: "mnist-cgan" or "fashion".
    public var name: String
    /// The networks.
    public var configuration: ConditionalGANConfiguration
    /// The step's settings (batch, D steps, diversity term, generator average).
    public var options: ConditionalTrainingOptions

    /// Models/mnist-cgan's architecture and step: width 64, one 3x3 convolution per generator scale, projection D,
    /// hinge, one D step, generator average, batch 64 at 28x28.
    public static var mnistCGAN: LabelGANRecipe {
        var configuration = ConditionalGANConfiguration()
        configuration.generatorConvsPerScale = 1
        var options = ConditionalTrainingOptions()
        options.averageDecay = 0.999
        options.seed = 2
        return LabelGANRecipe(name: "mnist-cgan", configuration: configuration, options: options)
    }

    /// The Fashion-MNIST recipe: mnist-cgan's plus a 3x3 SN convolution after each D down-sampling, two D steps and
    /// the diversity term (weight 5, 10% quantile).
    public static var fashion: LabelGANRecipe {
        var recipe = mnistCGAN
        recipe.name = "fashion"
        recipe.configuration.discriminatorConvsPerScale = 1
        recipe.options.discriminatorSteps = 2
        recipe.options.diversityWeight = 5
        recipe.options.diversityQuantile = 0.1
        return recipe
    }
}

/// Random images with labels, a stand-in for MNIST of the same shape (the step's work does not depend on the pixels).
private struct RandomLabeledImages: LabeledImageDataset {
    let pixels: Tensor
    let labels: [Int]
    let classCount: Int
    let channels: Int

    init(count: Int, configuration: ConditionalGANConfiguration) {
        var rng = SeededGenerator(seed: 11)
        let size = configuration.imageSize
        pixels = Tensor.randomUniform([count, configuration.channels, size, size], low: -1, high: 1, using: &rng)
        labels = (0..<count).map { $0 % configuration.classCount }
        classCount = configuration.classCount
        channels = configuration.channels
    }

    var count: Int { labels.count }

    func images(at indices: [Int], size: Int?) -> Tensor {
        let image = pixels.count / count
        var out = [Float]()
        out.reserveCapacity(indices.count * image)
        for i in indices { out += pixels.scalars[(i * image)..<((i + 1) * image)] }
        return Tensor(shape: [indices.count] + pixels.shape.dropFirst(), scalars: out)
    }
}

/// One label-GAN training step, timed.
public struct LabelGANStepResult: Codable, Sendable {
    /// The recipe's name.
    public var recipe: String
    /// Images per batch.
    public var batchSize: Int
    /// FLOPs of one step (`FLOPCount.labelGANStep`), in billions.
    public var gflopPerStep: Double
    /// Seconds per step (best of the runs).
    public var secondsPerStep: Double
    /// Steps per second (1 / secondsPerStep).
    public var stepsPerSecond: Double
    /// Achieved GFLOP/s.
    public var gflops: Double
    /// Cores kept busy on average over the timed steps: process CPU time / wall time (2.0 = both of 2 cores).
    public var coresBusy: Double
}

extension Benchmarks {
    /// `steps` training steps of `recipe` on random 28x28 images (after two warm-up steps): the best step's time, and
    /// CPU time over wall time for all of them.
    public static func labelGANStep(_ recipe: LabelGANRecipe, steps: Int = 10) -> LabelGANStepResult {
        let trainer = ConditionalGANTrainer(configuration: recipe.configuration, options: recipe.options)
        let data = RandomLabeledImages(count: 1000, configuration: recipe.configuration)
        let (best, busy) = timedSteps(steps) { _ = trainer.trainStep(on: data) }
        let gflop = FLOPCount.labelGANStep(recipe) / 1e9
        return LabelGANStepResult(recipe: recipe.name, batchSize: recipe.options.batchSize, gflopPerStep: gflop,
                                  secondsPerStep: best, stepsPerSecond: 1 / best, gflops: gflop / best, coresBusy: busy)
    }

    /// `steps` calls of `step` after two warm-up calls: the best call's seconds, and CPU time over wall time for all.
    static func timedSteps(_ steps: Int, _ step: () -> Void) -> (bestSeconds: Double, coresBusy: Double) {
        for _ in 0..<2 { step() }
        var best = Double.infinity
        let wallStart = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
        for _ in 0..<max(1, steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            step()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        return (best, (processCPUSeconds() - cpuStart) / wall)
    }

    /// User plus system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension FLOPCount {
    /// Multiply-adds of the label generator's forward pass for one image.
    public static func labelGenerator(_ c: ConditionalGANConfiguration) -> Double {
        let w = Double(c.generatorWidth), s0 = Double(c.imageSize / 4), k = Double(c.generatorConvsPerScale)
        let fc = Double(c.latentSize) * 2 * w * s0 * s0
        let refine = k * (s0 * s0 * 4 * w * w * 9 + 4 * s0 * s0 * w * w * 9)  // at s/4 (2w) and s/2 (w)
        let up = s0 * s0 * 2 * w * w * 16 + 4 * s0 * s0 * w * Double(c.channels) * 16  // transposed 4x4: per input pixel
        return fc + refine + up
    }

    /// Multiply-adds of the label discriminator's forward pass for one image.
    public static func labelDiscriminator(_ c: ConditionalGANConfiguration) -> Double {
        let w = Double(c.discriminatorWidth), s = Double(c.imageSize), k = Double(c.discriminatorConvsPerScale)
        let half = (s / 2) * (s / 2), quarter = (s / 4) * (s / 4)
        let convs = half * w * Double(c.channels) * 16 + quarter * 2 * w * w * 16 + quarter * 4 * w * w * 9
        return convs + k * (half * w * w * 9 + quarter * 4 * w * w * 9) + 2 * w * (1 + Double(c.classCount))
    }

    /// FLOPs (2 per multiply-add) of one training step of `recipe`: each D step runs G forward on a batch and D
    /// forward and backward (x3) on two; the G step runs G forward and backward (x3) and D forward and backward to its
    /// input only (x2).
    public static func labelGANStep(_ recipe: LabelGANRecipe) -> Double {
        let g = labelGenerator(recipe.configuration), d = labelDiscriminator(recipe.configuration)
        let perImage = Double(recipe.options.discriminatorSteps) * (g + 2 * 3 * d) + 3 * g + 2 * d
        return 2 * perImage * Double(recipe.options.batchSize)
    }
}
