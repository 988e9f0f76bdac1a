import ArgumentParser
import Foundation
import GANKit

/// `gantool train cgan`: a label-conditional GAN on MNIST or Fashion-MNIST.
struct TrainCGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cgan",
        abstract: "Train a label-conditional GAN (CBN generator, projection discriminator, hinge loss) on MNIST-style IDX data.",
        discussion: """
            Writes into the output folder: step-stamped safetensors weights, state.json (written \
            last, atomically) and samples.png (one row per class); with --snapshot-every, also \
            snapshots/step-NNNNNNNN/, each a whole checkpoint folder. An interrupted run continues \
            exactly with --resume. A NaN or Inf in the losses or weights stops the run with exit status 1 \
            and the last checkpoint untouched; --on-nonfinite rollback reloads it and draws another batch \
            instead. Data: --mnist DIR, --fashion-mnist DIR, or --folders DIR (one \
            subfolder of images per class); without any, a resumed run takes the data its \
            checkpoint was trained on, a new one $GANKIT_DATA/mnist or ../shared/data/mnist \
            beside the repository.

            Examples:
              gantool train cgan --mnist ../shared/data/mnist -o runs/mnist --steps 2000
              gantool train cgan -o runs/mnist --steps 4000 --resume
              gantool train cgan --fashion-mnist DIR -o runs/fashion --image-size 32 \\
                  --width 32
              gantool train cgan --folders pets/ --channels 3 --image-size 32 -o runs/pets
              gantool train cgan --mnist DIR -o runs/mnist-ac --head acgan \\
                  --ema-decay 0.999
              # add an average to a run
              gantool train cgan -o runs/mnist --steps 40000 --resume --ema-decay 0.999
              # anneal the last 12000 steps
              gantool train cgan -o runs/mnist --steps 45000 --resume \\
                  --decay-steps 12000
              # against within-class collapse
              gantool train cgan --fashion-mnist DIR -o runs/fashion \\
                  --diversity-weight 1
              gantool train cgan --fashion-mnist DIR -o runs/fashion-d \\
                  --discriminator-convs-per-scale 1 --discriminator-steps 2
              # bCR from here on
              gantool train cgan -o runs/fashion --steps 27000 --resume \\
                  --consistency-weight 10
              # G learns from D's best half
              gantool train cgan -o runs/fashion --steps 27000 --resume \\
                  --top-k-fraction 0.5
              # keep runs/fashion/snapshots/step-…
              gantool train cgan -o runs/fashion --steps 30000 --resume \\
                  --snapshot-every 1000
              # score a kept step
              gantool eval generate --model runs/fashion/snapshots/step-00029000 \\
                  --fashion-mnist DIR
              # two ranks, each 32 of every batch of 64 (docs/CLUSTER.md)
              mpirun -np 2 gantool train cgan --mnist DIR -o runs/mnist --batch-size 64 \\
                  --distributed
            """)

    @Option(help: "Folder with MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]).")
    var mnist: String?

    @Option(name: .customLong("fashion-mnist"), help: "Folder with Fashion-MNIST IDX files.")
    var fashionMNIST: String?

    @Option(help: "Folder with one subfolder of PNG/JPEG images per class (cropped square, resized to --image-size).")
    var folders: String?

    @Option(help: "Image channels for --folders: 1 (grey) or 3 (colour).")
    var channels = 1

    @Option(name: [.short, .customLong("output")], help: "Checkpoint folder.")
    var output: String

    @Option(help: "Train until this many steps in total.")
    var steps = 2000

    @Flag(help: "Continue the checkpoint in the output folder (its model and options are used).")
    var resume = false

    @OptionGroup var distributed: DistributedFlag

    @Option(help: "Adversarial loss: minimax, nonsaturating, lsgan or hinge.")
    var loss: String = "hinge"

    @Option(help: "Images per batch.")
    var batchSize = 64

    @Option(help: "Image size (a multiple of 4; 28 as stored, 32 padded).")
    var imageSize = 28

    @Option(help: "Latent size.")
    var latentSize = 64

    @Option(help: "Base width of both networks.")
    var width = 32

    @Option(help: "Base width of the generator alone (default: --width).")
    var generatorWidth: Int?

    @Option(help: "3x3 convolutions the generator adds at each of its two lower scales (0: plain DCGAN stack).")
    var generatorConvsPerScale = 0

    @Option(help: "3x3 convolutions the discriminator adds after each of its two down-samplings (0: three convolutions).")
    var discriminatorConvsPerScale = 0

    @Option(help: "Adam learning rate of both networks.")
    var learningRate: Float = 2e-4

    @Option(help: ArgumentHelp("How D uses the label: projection (Miyato & Koyama) or acgan (auxiliary classifier, Odena et al.).",
                               valueName: "projection|acgan"))
    var head: String = "projection"

    @Option(help: "Weight of the AC-GAN class cross-entropy in both losses.")
    var classLossWeight: Float = 1

    @Option(help: ArgumentHelp("Keep a moving average of the generator with this decay (e.g. 0.999) and sample from it; "
                               + "with --resume, starts one in a run that keeps none.", valueName: "d"))
    var emaDecay: Float?

    @Option(help: ArgumentHelp("Decay both learning rates linearly to zero over the last N steps (before --steps); "
                               + "with --resume, sets the decay of the continued run.", valueName: "N"))
    var decaySteps: Int?

    @Option(help: ArgumentHelp("Weight of a diversity term: G also pushes two latents of one class apart (mean L1) until "
                               + "they differ as much as two real images of a class; with --resume, sets it for the continued run.",
                               valueName: "w"))
    var diversityWeight: Float?

    @Option(help: ArgumentHelp("With --diversity-weight: the target distance of a pair is this quantile of the real "
                               + "pairs' distances in its class (default: their mean); 0.1 pushes only near-duplicates apart.",
                               valueName: "q"))
    var diversityQuantile: Float?

    @Option(help: ArgumentHelp("Weight of consistency regularization: D also scores each image and a copy moved by up to "
                               + "1/8 of its size alike (10 in the paper); with --resume, sets it for the continued run.",
                               valueName: "w"))
    var consistencyWeight: Float?

    @Option(help: ArgumentHelp("Top-k training: G's adversarial loss takes only this fraction of its batch, the samples D "
                               + "scores highest (0.5-0.75 in the paper); with --resume, sets it for the continued run.",
                               valueName: "f"))
    var topKFraction: Float?

    @Option(help: ArgumentHelp("Discriminator steps per generator step (default 1); with --resume, sets them for the continued run.",
                               valueName: "n"))
    var discriminatorSteps: Int?

    @Option(help: "Seed of weights, batches and latents.")
    var seed: UInt64 = 0

    @Option(help: "Save a checkpoint and samples.png every this many steps.")
    var checkpointEvery = 500

    @Option(help: ArgumentHelp("Also keep the checkpoint of every N-th step in OUTPUT/snapshots/step-NNNNNNNN/ (a multiple of --checkpoint-every): a whole checkpoint folder to evaluate, export or fork later.", valueName: "N"))
    var snapshotEvery: Int?

    @Option(help: ArgumentHelp("On NaN or Inf: stop, or roll back to the last checkpoint and draw another batch.", valueName: "stop|rollback"))
    var onNonfinite: String = "stop"

    @Option(help: "Print losses every this many steps.")
    var logEvery = 50

    @Option(help: "Use only the first N training images.")
    var limit: Int?

    func validate() throws {
        if [mnist, fashionMNIST, folders].compactMap({ $0 }).count > 1 { throw ValidationError("give one of --mnist, --fashion-mnist, --folders") }
        if channels != 1 && (channels != 3 || folders == nil) { throw ValidationError("--channels 3 needs --folders") }
        guard NonFinitePolicy(rawValue: onNonfinite) != nil else { throw ValidationError("--on-nonfinite takes stop or rollback") }
        guard ConditionalDiscriminatorHead(rawValue: head) != nil else { throw ValidationError("--head takes projection or acgan") }
        if !(0...4).contains(generatorConvsPerScale) { throw ValidationError("--generator-convs-per-scale must be 0 to 4") }
        if let snapshotEvery, snapshotEvery < 1 || snapshotEvery % checkpointEvery != 0 {
            throw ValidationError("--snapshot-every must be a positive multiple of --checkpoint-every (\(checkpointEvery))")
        }
        if let problem = TrainingLimits.batchProblem(batch: batchSize, side: imageSize) { throw ValidationError(problem) }
        if !(0...4).contains(discriminatorConvsPerScale) { throw ValidationError("--discriminator-convs-per-scale must be 0 to 4") }
        if let generatorWidth, generatorWidth < 1 { throw ValidationError("--generator-width must be positive") }
        if let decaySteps, !(1...steps).contains(decaySteps) { throw ValidationError("--decay-steps must be in 1...--steps") }
        if let problem = trainingOptions.problem { throw ValidationError("--\(Self.flag[problem.setting]!) \(problem.requirement)") }
        if !ConditionalTrainingRun.lossNames.contains(loss) {
            throw ValidationError("--loss must be one of \(ConditionalTrainingRun.lossNames.joined(separator: ", "))")
        }
    }

    /// The flag each options setting comes from.
    static let flag: [ConditionalTrainingOptions.Problem.Setting: String] = [
        .batchSize: "batch-size", .learningRate: "learning-rate", .discriminatorSteps: "discriminator-steps", .averageDecay: "ema-decay",
        .learningRateDecay: "decay-steps", .classLossWeight: "class-loss-weight", .diversityWeight: "diversity-weight",
        .diversityQuantile: "diversity-quantile", .consistencyWeight: "consistency-weight", .generatorTopFraction: "top-k-fraction",
    ]

    /// The training options the flags give.
    var trainingOptions: ConditionalTrainingOptions {
        var options = ConditionalTrainingOptions(loss: ConditionalLoss(rawValue: loss) ?? .hinge, batchSize: batchSize, generatorLearningRate: learningRate,
                                                 discriminatorLearningRate: learningRate, discriminatorSteps: discriminatorSteps ?? 1, seed: seed)
        (options.averageDecay, options.diversityWeight, options.diversityQuantile) = (emaDecay, diversityWeight, diversityQuantile)
        (options.consistencyWeight, options.generatorTopFraction) = (consistencyWeight, topKFraction)
        if let decaySteps { (options.decayStartStep, options.decayEndStep) = (steps - decaySteps, steps) }
        if head == ConditionalDiscriminatorHead.auxiliaryClassifier.rawValue { options.classLossWeight = classLossWeight }
        return options
    }

    func run() throws {
        try distributed.start()
        // A resumed run without a data flag continues on the data its checkpoint was trained on.
        let given = mnist ?? fashionMNIST ?? folders
        let recorded = given == nil && resume ? ConditionalGeneration.recordedDataset(of: output) : nil
        let data = given ?? recorded?.directory ?? ConditionalGeneration.defaultDataDirectory("mnist")
        var run = ConditionalTrainingRun(dataDirectory: data, outputDirectory: output, steps: steps)
        run.resume = resume
        run.dataIsImageFolders = folders != nil || recorded?.isImageFolders == true
        run.configuration.channels = channels
        run.checkpointEvery = checkpointEvery
        run.logEvery = logEvery
        run.snapshotEvery = snapshotEvery
        run.onNonFinite = NonFinitePolicy(rawValue: onNonfinite) ?? .stop
        run.limit = limit
        run.configuration.imageSize = imageSize
        run.configuration.latentSize = latentSize
        run.configuration.generatorWidth = generatorWidth ?? width
        run.configuration.generatorConvsPerScale = generatorConvsPerScale
        run.configuration.discriminatorConvsPerScale = discriminatorConvsPerScale
        run.configuration.discriminatorWidth = width
        run.configuration.discriminatorHead = ConditionalDiscriminatorHead(rawValue: head) ?? .projection
        run.options = trainingOptions
        run.resumedDiscriminatorSteps = discriminatorSteps
        let end: ConditionalRunEnd
        do {
            end = try run.run { line in if DistributedFlag.writesLines { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        } catch {
            throw failure(error)
        }
        distributed.finish()
        if let signal = end.signal { throw ExitCode(128 + signal) }
    }
}
