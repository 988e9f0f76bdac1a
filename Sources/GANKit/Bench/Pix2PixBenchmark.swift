import Foundation
import GANConditional
import GANCore

/// One training step of an image GAN (pix2pix, inpainting), timed (`gantool bench --only pix2pix|inpaint`).
public struct ImageGANStepResult: Codable, Sendable {
    /// Image side in pixels.
    public var size: Int
    /// Images (or pairs) per batch.
    public var batchSize: Int
    /// The networks, as their configuration's `architecture` names them.
    public var architecture: String
    /// FLOPs of one step (`FLOPCount.pix2pixStep`, `FLOPCount.inpaintingStep`), in billions.
    public var gflopPerStep: Double
    /// Seconds per step (best of the runs).
    public var secondsPerStep: Double
    /// Achieved GFLOP/s.
    public var gflops: Double
    /// Cores kept busy on average over the timed steps: process CPU time / wall time.
    public var coresBusy: Double

    /// The result of steps of `gflop` billion FLOPs taking `seconds` each, with `coresBusy` cores busy.
    public init(size: Int, batchSize: Int, architecture: String, gflop: Double, seconds: Double, coresBusy: Double) {
        (self.size, self.batchSize, self.architecture, self.gflopPerStep) = (size, batchSize, architecture, gflop)
        (secondsPerStep, gflops, self.coresBusy) = (seconds, gflop / seconds, coresBusy)
    }
}

extension Benchmarks {
    /// The pix2pix networks the bench times: faces-colorize's (gray -> colour, unet_128 ngf 32 with dropout, 3-layer
    /// PatchGAN ndf 32, instance norm) at `size`.
    public static func pix2pixConfiguration(size: Int = 128) -> Pix2PixConfiguration {
        Pix2PixConfiguration(inputChannels: 1, outputChannels: 3, ngf: 32, ndf: 32, depth: Pix2PixConfiguration.depth(forImageSize: size),
                             discriminatorLayers: 3, norm: .instance, useDropout: true, imageSize: size)
    }

    /// `steps` pix2pix training steps (D on the real and the generated pair, then G with GAN + 100 x L1; Adam) on
    /// random pairs of `batch` at `size` x `size`, after two warm-up steps.
    public static func pix2pixStep(size: Int = 128, batch: Int, steps: Int = 5) -> ImageGANStepResult {
        let configuration = pix2pixConfiguration(size: size)
        var options = Pix2PixOptions()
        options.batchSize = batch
        let trainer = Pix2PixTrainer(configuration: configuration, options: options)
        var rng = SeededGenerator(seed: 12)
        let input = Tensor.randomUniform([batch, 1, size, size], low: -1, high: 1, using: &rng)
        let target = Tensor.randomUniform([batch, 3, size, size], low: -1, high: 1, using: &rng)
        let (best, busy) = timedSteps(steps) { trainer.trainStep(input: input, target: target) }
        let gflop = FLOPCount.pix2pixStep(configuration, batch: batch) / 1e9
        return ImageGANStepResult(size: size, batchSize: batch, architecture: configuration.architecture, gflop: gflop, seconds: best, coresBusy: busy)
    }
}

extension FLOPCount {
    /// Multiply-adds of junyanz's U-Net (`depth` down-samplings, 4x4 stride-2 convolutions and transposed ones) at
    /// `size` x `size` for one image.
    public static func unetGenerator(size: Int, ngf: Int, depth: Int, inputChannels: Int, outputChannels: Int) -> Double {
        // (down in, down out, up in, up out) channels of each level, outermost first.
        var levels = [(inputChannels, ngf, 2 * ngf, outputChannels), (ngf, 2 * ngf, 4 * ngf, ngf),
                      (2 * ngf, 4 * ngf, 8 * ngf, 2 * ngf), (4 * ngf, 8 * ngf, 16 * ngf, 4 * ngf)]
        while levels.count < depth - 1 { levels.append((8 * ngf, 8 * ngf, 16 * ngf, 8 * ngf)) }
        levels.append((8 * ngf, 8 * ngf, 8 * ngf, 8 * ngf))  // innermost: no skip into its up-sampling
        var macs = 0.0
        for (i, level) in levels.prefix(depth).enumerated() {
            let side = size >> (i + 1)
            macs += conv(outH: side, outW: side, inC: level.0, outC: level.1, k: 4)  // down: per output pixel
            macs += conv(outH: side, outW: side, inC: level.2, outC: level.3, k: 4)  // up: per input pixel
        }
        return macs
    }

    /// Multiply-adds of the n-layer PatchGAN with `ndf` filters on `inputChannels` at `size` x `size`.
    public static func patchGAN(size: Int, ndf: Int, layers: Int, inputChannels: Int) -> Double {
        var macs = 0.0, side = size, channels = inputChannels, width = ndf
        for n in 0..<layers {  // stride 2
            side /= 2
            macs += conv(outH: side, outW: side, inC: channels, outC: width, k: 4)
            channels = width
            width = ndf * min(1 << (n + 1), 8)
        }
        side -= 1
        macs += conv(outH: side, outW: side, inC: channels, outC: width, k: 4)  // stride 1
        side -= 1
        return macs + conv(outH: side, outW: side, inC: width, outC: 1, k: 4)
    }

    /// FLOPs of one pix2pix step (2 per MAC): G forward and backward (3x), D forward and backward on the real and the
    /// generated pair (2 x 3x), D forward and backward to its input for G's loss (2x); per pair, times `batch`.
    public static func pix2pixStep(_ c: Pix2PixConfiguration, batch: Int) -> Double {
        let g = unetGenerator(size: c.imageSize, ngf: c.ngf, depth: c.depth, inputChannels: c.inputChannels, outputChannels: c.outputChannels)
        let d = patchGAN(size: c.imageSize, ndf: c.ndf, layers: c.discriminatorLayers, inputChannels: c.inputChannels + c.outputChannels)
        return 2 * (3 * g + 8 * d) * Double(batch)
    }
}
