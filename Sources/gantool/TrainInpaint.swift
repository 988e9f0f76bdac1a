import ArgumentParser
import Foundation
import GANKit

/// `gantool train inpaint`: the inpainting GAN (gated-convolution generator + SN-PatchGAN, hinge + L1).
struct TrainInpaint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Train the inpainting GAN: a gated-convolution generator that fills free-form holes in photos.",
        discussion: """
            Data: --images DIR holds photos (PNG or JPEG); each step takes --batch of them, a random \
            --size crop of each at its native scale (no resizing), a random horizontal flip and one seeded \
            free-form mask (5-60% holes). Network: DeepFill v2's coarse network with gated convolutions, \
            base width --cnum, against a spectrally normalised PatchGAN (--ndf). Loss: --gan-weight times \
            the hinge loss plus --l1-weight times L1 of the raw output (--hole-weight in the hole, \
            --valid-weight outside it); --l1-only trains without a discriminator. The run folder (--out, \
            default runs/NAME) holds state.json and step-stamped weights (the checkpoint, also loadable as \
            a model), loss_log.csv, loss_curve.png, samples/ (masked input | output | real) and, at the end, \
            on --max-steps or on Ctrl-C, model/ (manifest.json, generator.safetensors). --resume continues \
            exactly. NaN/Inf stops (exit 1, last checkpoint kept) or, with --on-nonfinite rollback, reloads \
            it and draws another batch. A signal exits 128+signal after checkpointing.

            Examples:
              gantool train inpaint --images ../shared/data/celeba-aligned-subset/train \\
                  --name faces-inpaint --steps 2000
              gantool train inpaint --images DIR --name faces-inpaint --size 128 \\
                  --cnum 24 --batch 4 --checkpoint-minutes 5
              gantool train inpaint --images DIR --name faces-l1 --l1-only --steps 1000
              # GAN fine-tune of an L1 run
              gantool train inpaint --images DIR --name faces-gan \\
                  --init-generator runs/faces-l1 --steps 2000
              gantool train inpaint --images DIR --name faces-inpaint --steps 4000 \\
                  --resume
            """)

    @Option(help: ArgumentHelp("Folder of training photos.", valueName: "dir"))
    var images: String

    @Option(help: "Training crop size (a multiple of 4; crops are taken at the photos' native scale).")
    var size = 128

    @Option(help: "Generator base width (channels cnum, 2cnum, 4cnum; even).")
    var cnum = 24

    @Option(help: "Discriminator first-layer width.")
    var ndf = 32

    @Option(help: "Discriminator stride-2 5x5 layers.")
    var discriminatorLayers = 6

    @Option(help: "Photos per step.")
    var batch = 4

    @Option(help: ArgumentHelp("Adversarial loss: hinge (SN-PatchGAN's), minimax, nonsaturating or lsgan.", valueName: "name"))
    var loss = "hinge"

    @Option(help: "Weight of the L1 term.")
    var l1Weight: Float = 1

    @Option(help: "L1 weight of hole pixels.")
    var holeWeight: Float = 1

    @Option(help: "L1 weight of known pixels.")
    var validWeight: Float = 1

    @Option(help: "Adam learning rate.")
    var learningRate: Float = 1e-4

    @Flag(help: "No random horizontal flips.")
    var noFlip = false

    @OptionGroup var common: ImageModelTrainingFlags

    @OptionGroup var schedule: RunScheduleFlags

    var networkConfiguration: InpaintingConfiguration {
        InpaintingConfiguration(cnum: cnum, ndf: ndf, discriminatorLayers: discriminatorLayers, imageSize: size)
    }

    func validate() throws {
        if let problem = networkConfiguration.problem { throw ValidationError(problem) }
        guard GANObjective(rawValue: loss) != nil else {
            throw ValidationError("--loss must be one of \(GANObjective.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard common.ganWeight >= 0, l1Weight >= 0, common.ganWeight + l1Weight > 0 else { throw ValidationError("--gan-weight and --l1-weight must be >= 0, not both 0") }
        guard holeWeight >= 0, validWeight >= 0, holeWeight + validWeight > 0 else {
            throw ValidationError("--hole-weight and --valid-weight must be >= 0, not both 0")
        }
        if let problem = TrainingLimits.batchProblem(batch: batch, side: size) { throw ValidationError(problem) }
        guard common.steps >= 0, batch > 0, learningRate > 0 else {
            throw ValidationError("--steps must be >= 0, --batch and --learning-rate positive")
        }
    }

    func run() throws {
        var run = InpaintingTrainingRun(dataDirectory: images, name: common.name, runFolder: common.out, steps: common.steps)
        run.recursive = common.recursive
        run.configuration = networkConfiguration
        run.options.ganWeight = common.effectiveGANWeight
        run.options.loss = GANObjective(rawValue: loss) ?? .hinge
        run.initialGenerator = common.initGenerator
        run.options.l1Weight = l1Weight
        run.options.holeWeight = holeWeight
        run.options.validWeight = validWeight
        run.options.batchSize = batch
        run.options.learningRate = learningRate
        run.options.flip = !noFlip
        run.options.seed = common.seed
        run.schedule = schedule.applied(to: run.schedule)
        try train(run.run, distributed: schedule.distributed)
    }
}
