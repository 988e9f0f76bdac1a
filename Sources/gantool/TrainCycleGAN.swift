import ArgumentParser
import Foundation
import GANKit

struct TrainCycleGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cyclegan",
        abstract: "Train an unpaired translation model (CycleGAN, or CUT/FastCUT with --objective) from two folders of images.",
        discussion: """
            Writes into runs/NAME (or --out): loss_log.csv, samples/ (real | translated | reconstructed), \
            checkpoints/ every --checkpoint-minutes (or --checkpoint-every steps) and on Ctrl-C, SIGTERM or SIGXCPU (a CPU-time limit), \
            and model/ (manifest.json, G_A.safetensors, G_B.safetensors) for `gantool translate`. --resume \
            continues exactly where the last checkpoint stopped (same data order, optimizer state and step count).
            A NaN or Inf in the losses or weights stops the run with exit status 1 and the last good \
            checkpoint untouched; --on-nonfinite rollback reloads that checkpoint and passes over the batch instead.
            --objective cut trains CUT (Park et al. 2020): one generator A->B, one discriminator and the PatchNCE \
            heads, about half CycleGAN's work per step; its model translates A to B only. --objective fastcut \
            drops CUT's identity NCE term (lambda_NCE 10, flip equivariance). Samples then show real A | G(A) \
            (and real B | G(B) for cut); the model folder holds G_A only. --objective ugatit trains U-GAT-IT light \
            (Kim et al. 2020) both ways: class-activation-map attention and AdaLIN in the generators (--blocks plain \
            and --blocks AdaLIN residual blocks), a global and a local discriminator per domain; at 128 px with --blocks 3 about 3.3 times \
            a CycleGAN step with --blocks 6. --resume takes the objective from the checkpoint.

            Examples:
              gantool train cyclegan --a cats/ --b dogs/ --name cat2dog --size 128 \\
                  --ngf 32
              gantool train cyclegan --a cats/ --b dogs/ --name cat2dog --resume
              # the same run, its learning rate now decaying over 16 epochs
              gantool train cyclegan --a cats/ --b dogs/ --name cat2dog --resume \\
                  --epochs 9 --decay-epochs 16
              gantool train cyclegan --objective cut --a cats/ --b dogs/ \\
                  --name cat2dog-cut --size 128 --ngf 32 --blocks 6
              gantool train cyclegan --objective fastcut --a cats/ --b dogs/ \\
                  --name cat2dog-fastcut --size 128 --ngf 32
              gantool train cyclegan --objective ugatit --a cats/ --b dogs/ \\
                  --name cat2dog-ugatit --size 128 --ngf 32 --blocks 3
              # two ranks, one pair each per step (docs/CLUSTER.md)
              mpirun -np 2 gantool train cyclegan --a cats/ --b dogs/ --name cat2dog \\
                  --batch-size 2 --distributed
            """)

    @Option(help: "Images of domain A (a folder, file or glob; repeat for more).")
    var a: [String]

    @Option(help: "Images of domain B.")
    var b: [String]

    @Option(help: "Name of the run (and of the model).")
    var name: String

    @Option(help: "Run folder (default: runs/NAME).")
    var out: String?

    @Option(help: "Name of domain A in the model (default: the folder's name).")
    var aName: String?

    @Option(help: "Name of domain B in the model (default: the folder's name).")
    var bName: String?

    @Option(help: "Training crop size (multiple of 4).")
    var size = 256

    @Option(help: "Size images are resized to before the random crop (default: size*286/256).")
    var loadSize: Int?

    @Option(help: "Filters of the first generator and discriminator layers.")
    var ngf = 64

    @Option(help: "Residual blocks per generator (9 or 6 in the paper).")
    var blocks = 9

    @Option(help: "Epochs at the initial learning rate (default 100). With --resume, replaces the run's own count: the run gets longer, or its decay starts sooner.")
    var epochs: Int?

    @Option(help: "Epochs of linear learning-rate decay after them (default 100; with --resume, replaces the run's own).")
    var decayEpochs: Int?

    @Option(help: ArgumentHelp("What to train: cyclegan (two generators, cycle losses), cut (one generator A->B, PatchNCE "
                               + "with identity NCE), fastcut (PatchNCE without identity, lambda_NCE 10) or ugatit (U-GAT-IT light: "
                               + "attention and AdaLIN in the generators, global and local discriminators; learning rate 1e-4, "
                               + "identity weight 1, no pools, LSGAN).", valueName: "cyclegan|cut|fastcut|ugatit"))
    var objective = "cyclegan"

    @Option(help: ArgumentHelp("Adversarial loss: lsgan (CycleGAN's), minimax, nonsaturating (= vanilla) or hinge.",
                               valueName: "name"))
    var loss = "lsgan"

    @Option(help: "CycleGAN, U-GAT-IT: weight of both cycle losses (lambda_A = lambda_B; lower gives the generators more freedom to change shape).")
    var cycleWeight: Float = 10

    @Option(help: "CycleGAN, U-GAT-IT: weight of the identity loss relative to the cycle weight (lambda_identity; 0 turns it off; default 0.5, U-GAT-IT 1).")
    var identityWeight: Float?

    @Option(help: "CycleGAN: discriminators per domain, one per scale: 1 (the PatchGAN), 2 or 3 (copies on the image at 1/2 and 1/4 size, which see the whole animal).")
    var discriminatorScales = 1

    @Option(help: "Minutes between checkpoints.")
    var checkpointMinutes = 10.0

    @Option(help: "Steps between checkpoints (in addition to --checkpoint-minutes).")
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("On NaN or Inf: stop, or roll back to the last checkpoint and pass over the batch.", valueName: "stop|rollback"))
    var onNonfinite: String = "stop"

    @Option(help: "Minutes between sample grids.")
    var sampleMinutes = 5.0

    @Option(help: "Stop after this many steps (a checkpoint is written).")
    var maxSteps: Int?

    @Flag(help: "Continue from the run folder's latest checkpoint.")
    var resume = false

    @Option(help: "CycleGAN: pairs per step (1 as in the paper; a resumed run keeps its own). With --distributed, the pairs of each step are split over the ranks.")
    var batchSize = 1

    @OptionGroup var distributed: DistributedFlag

    @Option(help: "Seed of weights, data order and augmentation.")
    var seed: UInt64 = 0

    @Flag(name: .shortAndLong, help: "Search folders recursively.")
    var recursive = false

    func validate() throws {
        let smallest = TranslationTrainingRun.smallestSize(discriminatorLayers: 3)
        guard size >= smallest, size % 4 == 0 else { throw ValidationError("--size must be a multiple of 4, at least \(smallest)") }
        guard checkpointMinutes > 0, checkpointEvery.map({ $0 > 0 }) ?? true else {
            throw ValidationError("--checkpoint-minutes and --checkpoint-every must be positive")
        }
        guard NonFinitePolicy(rawValue: onNonfinite) != nil else { throw ValidationError("--on-nonfinite takes stop or rollback") }
        guard TranslationMethod(rawValue: objective) != nil else {
            throw ValidationError("--objective must be one of \(TranslationTrainingRun.methodNames.joined(separator: ", "))")
        }
        guard TranslationTrainingRun.lossNames.contains(loss) else {
            throw ValidationError("--loss must be one of \(TranslationTrainingRun.lossNames.joined(separator: ", "))")
        }
        guard (1...1024).contains(ngf), (1...64).contains(blocks), (epochs ?? 0) >= 0, (decayEpochs ?? 0) >= 0,
              resume || epochs != 0 || decayEpochs != 0 else {
            throw ValidationError("--ngf must be in 1...1024, --blocks in 1...64, and there must be at least one epoch")
        }
    }

    func run() throws {
        var job = TranslationTrainingRun(inputsA: a, inputsB: b, name: name, runFolder: out)
        if let aName { job.domainA = aName }
        if let bName { job.domainB = bName }
        job.recursive = recursive
        job.size = size
        job.loadSize = loadSize
        job.lossName = loss
        job.method = TranslationMethod(rawValue: objective) ?? .cycleGAN
        job.ngf = ngf
        job.resnetBlocks = blocks
        if let epochs { job.epochs = epochs }
        if let decayEpochs { job.decayEpochs = decayEpochs }
        if resume { job.rescheduling = ScheduleChange(constantEpochs: epochs, decayEpochs: decayEpochs) }
        (job.options.lambdaCycle, job.options.discriminatorScales) = (cycleWeight, discriminatorScales)
        if let identityWeight { job.options.lambdaIdentity = identityWeight }
        job.checkpointMinutes = checkpointMinutes
        job.checkpointEvery = checkpointEvery
        job.onNonFinite = NonFinitePolicy(rawValue: onNonfinite) ?? .stop
        job.sampleMinutes = sampleMinutes
        job.resume = resume
        job.seed = seed
        job.maxSteps = maxSteps
        job.options.batchSize = batchSize
        try train(job.run, distributed: distributed)
    }
}
