import Foundation
import GANCore
import GANInpainting

extension Benchmarks {
    /// The networks the bench times: faces-inpaint's (cnum 16, 6-layer SN-PatchGAN ndf 32) at `size`.
    public static func inpaintingConfiguration(size: Int = 128) -> InpaintingConfiguration {
        InpaintingConfiguration(cnum: 16, ndf: 32, discriminatorLayers: 6, imageSize: size)
    }

    /// `steps` inpainting training steps (D hinge on the real image and the composite, then G with hinge + L1; Adam) on
    /// random images and masks of `batch` at `size` x `size`, after two warm-up steps.
    public static func inpaintingStep(size: Int = 128, batch: Int = 4, steps: Int = 5) -> ImageGANStepResult {
        let configuration = inpaintingConfiguration(size: size)
        var options = InpaintingOptions()
        options.batchSize = batch
        let trainer = InpaintingTrainer(configuration: configuration, options: options)
        var rng = SeededGenerator(seed: 13)
        let images = Tensor.randomUniform([batch, 3, size, size], low: -1, high: 1, using: &rng)
        let masks = Tensor.randomUniform([batch, 1, size, size], low: 0, high: 1, using: &rng).map { $0 < 0.3 ? 1 : 0 }
        let (best, busy) = timedSteps(steps) { trainer.trainStep(images: images, masks: masks) }
        let gflop = FLOPCount.inpaintingStep(configuration, batch: batch) / 1e9
        return ImageGANStepResult(size: size, batchSize: batch, architecture: configuration.architecture, gflop: gflop, seconds: best, coresBusy: busy)
    }
}

extension FLOPCount {
    /// FLOPs of one inpainting step (2 per MAC): G forward and backward (3x), D forward and backward on the real image
    /// and the composite (2 x 3x), D forward and backward to its input for G's loss (2x); per image, times `batch`.
    public static func inpaintingStep(_ c: InpaintingConfiguration, batch: Int) -> Double {
        let g = InpaintingGenerator.multiplyAdds(cnum: c.cnum, size: c.imageSize)
        let d = InpaintingDiscriminator.multiplyAdds(ndf: c.ndf, layers: c.discriminatorLayers, size: c.imageSize)
        return 2 * (3 * g + 8 * d) * Double(batch)
    }
}
