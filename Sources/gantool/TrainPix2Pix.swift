import ArgumentParser
import Foundation
import GANKit

/// `gantool train pix2pix`: image-conditional GAN (U-Net + PatchGAN, cGAN loss + λ·L1).
struct TrainPix2Pix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pix2pix",
        abstract: "Train pix2pix: a U-Net that maps an input image to an output image (paired data).",
        discussion: """
            Data: --pairs DIR holds side-by-side A|B images (as pix2pix datasets are stored; --reverse \
            learns B to A); --task colorize|edges --images DIR builds pairs from any photos (grayscale to \
            colour; Canny edge map to photo). Loss: --loss (default nonsaturating, pix2pix's "vanilla") \
            plus --l1-weight (100) times L1; --gan-weight 0 or --l1-only trains the U-Net with L1 alone. \
            The run folder (--out, default runs/NAME) holds state.json and step-stamped weights (the \
            checkpoint), loss_log.csv, loss_curve.png, samples/ (input | output | target) and, at the end, \
            on --max-steps or on Ctrl-C, model/ (manifest.json, generator.safetensors) for 'gantool \
            generate --from'. --resume continues exactly. NaN/Inf stops (exit 1, last checkpoint kept) or, \
            with --on-nonfinite rollback, reloads it and draws another batch. A signal exits 128+signal \
            after checkpointing.

            Examples:
              gantool train pix2pix --task colorize \\
                  --images ../shared/data/celeba-aligned-subset/train \\
                  --name faces-colorize --size 128 --steps 20000
              gantool train pix2pix --task colorize --images DIR --name faces-l1 \\
                  --size 128 --l1-only
              gantool train pix2pix --pairs facades/train --name facades --size 256 \\
                  --reverse
              gantool train pix2pix --task edges --images shoes/ --name edges2shoes \\
                  --size 64 --ngf 32
              gantool train pix2pix --task colorize --images DIR --name faces-colorize \\
                  --steps 40000 --resume
              gantool train pix2pix --task colorize --images DIR --name faces-gan \\
                  --size 128 --init-generator faces-l1 --steps 3000
            """)

    @Option(help: ArgumentHelp("Folder of side-by-side A|B images.", valueName: "dir"))
    var pairs: String?

    @Option(help: ArgumentHelp("Build pairs from photos: colorize (gray to colour) or edges (edge map to photo).", valueName: "colorize|edges"))
    var task: String?

    @Option(help: ArgumentHelp("Folder of photos for --task.", valueName: "dir"))
    var images: String?

    @Flag(help: "With --pairs: learn B to A.")
    var reverse = false

    @Option(help: "Training crop size: 64, 128 or 256 (any multiple of 2^depth).")
    var size = 256

    @Option(help: "U-Net depth (stride-2 levels; default log2(size), at most 8).")
    var depth: Int?

    @Option(help: "Generator filters at the first level.")
    var ngf = 64

    @Option(help: "Discriminator filters at the first layer.")
    var ndf = 64

    @Option(help: "PatchGAN strided layers (3: 70x70 patches).")
    var discriminatorLayers = 3

    @Option(help: "Normalisation: instance or batch.")
    var norm = "instance"

    @Flag(help: "No dropout in the generator.")
    var noDropout = false

    @Option(help: "Adversarial loss: minimax, nonsaturating, lsgan or hinge.")
    var loss = "nonsaturating"

    @Option(help: "Weight of the L1 term (lambda).")
    var l1Weight: Float = 100

    @Option(help: "Pairs per step.")
    var batchSize = 1

    @Option(help: "Adam learning rate.")
    var learningRate: Float = 2e-4

    @Flag(help: "No random resize-crop and flip.")
    var noJitter = false

    @OptionGroup var common: ImageModelTrainingFlags

    @OptionGroup var schedule: RunScheduleFlags

    var pix2pixTask: Pix2PixTask? {
        if pairs != nil { return .pairs }
        return task.flatMap { Pix2PixTask(rawValue: $0) }
    }

    func validate() throws {
        if (pairs == nil) == (task == nil) { throw ValidationError("give --pairs DIR, or --task colorize|edges with --images DIR") }
        if let task, task != "colorize" && task != "edges" { throw ValidationError("--task takes colorize or edges") }
        if task != nil && images == nil { throw ValidationError("--task needs --images DIR") }
        if pairs != nil && images != nil { throw ValidationError("--images goes with --task, not --pairs") }
        if reverse && pairs == nil { throw ValidationError("--reverse needs --pairs") }
        if !Pix2PixTrainingRun.lossNames.contains(loss) { throw ValidationError("--loss must be one of \(Pix2PixTrainingRun.lossNames.joined(separator: ", "))") }
        if NormKind(rawValue: norm) == nil || norm == "none" { throw ValidationError("--norm takes instance or batch") }
        guard common.ganWeight >= 0, l1Weight >= 0, common.ganWeight + l1Weight > 0 else { throw ValidationError("--gan-weight and --l1-weight must be >= 0, not both 0") }
        guard (1...512).contains(ngf), (1...512).contains(ndf), (1...5).contains(discriminatorLayers) else {
            throw ValidationError("--ngf and --ndf must be 1...512, --discriminator-layers 1...5")
        }
        let d = depth ?? Pix2PixConfiguration.depth(forImageSize: size)
        guard (5...9).contains(d), size > 0, size % (1 << d) == 0 else {
            throw ValidationError("--size must be a positive multiple of 2^depth = \(1 << min(max(d, 0), 20)) (depth 5...9)")
        }
        if let problem = TrainingLimits.batchProblem(batch: batchSize, side: size) { throw ValidationError(problem) }
        guard common.steps >= 0, batchSize > 0, learningRate > 0 else {
            throw ValidationError("--steps must be >= 0, --batch-size and --learning-rate positive")
        }
    }

    func run() throws {
        var run = Pix2PixTrainingRun(dataDirectory: pairs ?? images ?? "", task: pix2pixTask ?? .pairs, name: common.name, runFolder: common.out, steps: common.steps)
        run.reversed = reverse
        run.recursive = common.recursive
        run.initialGenerator = common.initGenerator
        run.configuration = Pix2PixConfiguration(ngf: ngf, ndf: ndf, depth: depth ?? Pix2PixConfiguration.depth(forImageSize: size),
                                                 discriminatorLayers: discriminatorLayers, norm: NormKind(rawValue: norm) ?? .instance,
                                                 useDropout: !noDropout, imageSize: size)
        _ = run.setLoss(named: loss)
        run.options.ganWeight = common.effectiveGANWeight
        run.options.l1Weight = l1Weight
        run.options.batchSize = batchSize
        run.options.learningRate = learningRate
        run.options.jitter = !noJitter
        run.options.seed = common.seed
        run.schedule = schedule.applied(to: run.schedule)
        try train(run.run, distributed: schedule.distributed)
    }
}
