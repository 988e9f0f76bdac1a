import Foundation
import GANCore
import GANTraining
import GANTranslation

/// A `gantool train cyclegan` run: two image folders in, a run folder out (checkpoints, `loss_log.csv`,
/// `samples/`, and at the end or on a stop `model/` with `manifest.json`, `G_A.safetensors` and, for CycleGAN,
/// `G_B.safetensors`). `method` picks CycleGAN, CUT, FastCUT or U-GAT-IT.
public struct TranslationTrainingRun: Sendable {
    /// Images of domain A (files, folders or globs).
    public var inputsA: [String]
    /// Images of domain B.
    public var inputsB: [String]
    /// Search folders recursively.
    public var recursive = false
    /// Name of domain A in the manifest.
    public var domainA: String
    /// Name of domain B in the manifest.
    public var domainB: String
    /// The run's name.
    public var name: String
    /// The run folder.
    public var runFolder: String
    /// Crop size (the network's training resolution).
    public var size = 256
    /// Size images are resized to before the random crop (default: size · 286/256).
    public var loadSize: Int?
    /// Network and schedule settings.
    public var options = CycleGANOptions()
    /// Minutes between checkpoints.
    public var checkpointMinutes = 10.0
    /// Steps between checkpoints (nil: by time only); with both, whichever comes first.
    public var checkpointEvery: Int?
    /// What a NaN or Inf in the losses or weights does: stop (the default) or roll back to the last checkpoint.
    public var onNonFinite = NonFinitePolicy.stop
    /// Minutes between sample grids.
    public var sampleMinutes = 5.0
    /// Continue from the run folder's latest checkpoint.
    public var resume = false
    /// Seed of weights, data order, augmentation and pools.
    public var seed: UInt64 = 0
    /// Stop after this many steps in this invocation (a checkpoint is written).
    public var maxSteps: Int?

    /// CycleGAN, CUT, FastCUT or U-GAT-IT (`--objective`). Setting it also sets the method's defaults: λ_NCE (1 for
    /// CUT, 10 for FastCUT), and U-GAT-IT's learning rate, identity weight and no pools (`CycleGANOptions.ugatit()`).
    public var method: TranslationMethod {
        get { options.method }
        set {
            options.method = newValue
            options.lambdaNCE = newValue == .fastCUT ? 10 : 1
            let defaults = newValue == .ugatit ? CycleGANOptions.ugatit() : CycleGANOptions()
            (options.learningRate, options.lambdaIdentity, options.poolSize) = (defaults.learningRate, defaults.lambdaIdentity, defaults.poolSize)
        }
    }
    /// The names `--objective` accepts.
    public static let methodNames = TranslationMethod.allCases.map(\.rawValue)

    /// Generator filters (`--ngf`); the discriminators get the same width.
    public var ngf: Int { get { options.ngf } set { options.ngf = newValue; options.ndf = newValue } }
    /// Residual blocks per generator.
    public var resnetBlocks: Int { get { options.resnetBlocks } set { options.resnetBlocks = newValue } }
    /// Epochs at the base learning rate.
    public var epochs: Int { get { options.constantEpochs } set { options.constantEpochs = newValue } }
    /// Epochs of linear decay after them.
    public var decayEpochs: Int { get { options.decayEpochs } set { options.decayEpochs = newValue } }
    /// On `resume`: epoch counts that replace the checkpoint's (`epochs` and `decayEpochs` are a fresh run's only).
    public var rescheduling = ScheduleChange()
    /// The adversarial loss by name (minimax, nonsaturating or its alias vanilla, lsgan, hinge); nil for an unknown name.
    public var lossName: String? {
        get { options.objective.rawValue }
        set {
            guard let newValue, let objective = GANObjective(rawValue: newValue == "vanilla" ? "nonsaturating" : newValue) else { return }
            options.objective = objective
        }
    }
    /// The names `lossName` accepts.
    public static let lossNames = GANObjective.allCases.map(\.rawValue) + ["vanilla"]

    /// A job with defaults; the run folder defaults to `runs/<name>`.
    public init(inputsA: [String], inputsB: [String], name: String, runFolder: String? = nil) {
        self.inputsA = inputsA
        self.inputsB = inputsB
        self.name = name
        self.runFolder = runFolder ?? "runs/" + name
        domainA = Self.domainName(inputsA, fallback: "A")
        domainB = Self.domainName(inputsB, fallback: "B")
    }

    /// Trains; returns how the run ended. Unreadable images are reported on stderr and skipped.
    /// - Throws: `GANKitError.invalidArgument` for missing inputs or a run folder that already has a checkpoint
    ///   without `resume`; `TranslationCheckpointError`, `DataError` or file errors from training.
    @discardableResult
    public func run() throws -> TrainingOutcome {
        let load = loadSize ?? Int((Double(size) * 286 / 256).rounded())
        // U-GAT-IT's global discriminators have discriminatorLayers + 2 stride-2 levels.
        let smallest = Self.smallestSize(discriminatorLayers: options.discriminatorLayers + (options.method == .ugatit ? 2 : 0))
        guard size % 4 == 0, size >= smallest, load >= size else {
            throw GANKitError.invalidArgument("--size must be a multiple of 4 (at least \(smallest)) and --load-size at least --size")
        }
        if let checkpointEvery, checkpointEvery < 1 { throw GANKitError.invalidArgument("--checkpoint-every must be at least 1") }
        if options.discriminatorScales > 1, size >> (options.discriminatorScales - 1) < smallest {
            throw GANKitError.invalidArgument("\(options.discriminatorScales) discriminator scales need --size of at least \(smallest << (options.discriminatorScales - 1))")
        }
        let (a, problemsA) = BatchInputs.expand(inputsA, recursive: recursive)
        let (b, problemsB) = BatchInputs.expand(inputsB, recursive: recursive)
        for problem in problemsA + problemsB { FileHandle.standardError.write(Data(("warning: \(problem)\n").utf8)) }
        let data = try UnpairedImageFolder(pathsA: a.map(\.path), pathsB: b.map(\.path),
                                           preprocessing: .resizeAndCrop(loadSize: load, cropSize: size), seed: seed)
        var settings = TrainingLoop(runFolder: runFolder)
        settings.checkpointEvery = [.seconds(checkpointMinutes * 60)] + (checkpointEvery.map { [.steps($0)] } ?? [])
        settings.sampleEvery = .seconds(sampleMinutes * 60)
        settings.onNonFinite = onNonFinite
        let hasCheckpoint = FileManager.default.fileExists(atPath: runFolder + "/checkpoints/latest.json")
        if !resume && hasCheckpoint { throw GANKitError.invalidArgument("\(runFolder) already holds a run; pass --resume, or another --name or --out") }
        if let problem = options.problem { throw GANKitError.invalidArgument(problem) }
        // On --resume the checkpoint says which method the run trains.
        let method = resume ? try CycleGANCheckpoint.latestState(runFolder: runFolder).state.options.method : options.method
        switch method {
        case .cycleGAN:
            let trainer = try resume ? CycleGANTrainer(resuming: settings, data: data, rescheduling: rescheduling)
                : CycleGANTrainer(model: CycleGANModel(options: options, seed: seed), data: data, settings: settings)
            return try train(trainer, data: data, settings: settings, counts: (a.count, b.count))
        case .cut, .fastCUT:
            let trainer = try resume ? CUTTrainer(resuming: settings, data: data, rescheduling: rescheduling)
                : CUTTrainer(model: CUTModel(options: options, seed: seed), data: data, settings: settings)
            return try train(trainer, data: data, settings: settings, counts: (a.count, b.count))
        case .ugatit:
            let trainer = try resume ? UGATITTrainer(resuming: settings, data: data, rescheduling: rescheduling)
                : UGATITTrainer(model: UGATITModel(options: options, seed: seed), data: data, settings: settings)
            return try train(trainer, data: data, settings: settings, counts: (a.count, b.count))
        }
    }

    /// Runs `trainer`, then writes the run's model folder.
    private func train<Model: TranslationTrainable>(_ trainer: TranslationTrainer<Model>, data: UnpairedImageFolder,
                                                    settings: TrainingLoop, counts: (a: Int, b: Int)) throws -> TrainingOutcome {
        let a = counts.a, b = counts.b
        try DataParallel.checkSplit(batch: trainer.batchSize)
        let leads = DataParallel.group?.isLeader ?? true   // a data-parallel run's rank 0 alone writes and reports
        trainer.handleSignals()
        let batch = trainer.batchSize > 1 ? "batches of \(trainer.batchSize), " : ""
        if leads {
            settings.progress("training \(name) (\(trainer.model.options.method.rawValue)): \(a) images in A (\(domainA)), \(b) in B (\(domainB)), "
                              + "\(batch)\(data.count / trainer.batchSize) steps per epoch, \(trainer.totalEpochs) epochs, from step \(trainer.step); run folder \(runFolder)")
        }
        var outcome = try trainer.run(maxSteps: maxSteps)
        guard leads else { return outcome == .stepLimit ? .stopped : outcome }
        if outcome == .stepLimit { try trainer.saveCheckpoint(); outcome = .stopped }
        // The folders the images came from, so that `gantool eval translate` can check that no test image was trained on.
        func folders(_ paths: [String]) -> String {
            var seen: [String] = []
            for path in paths {
                let folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
                if !seen.contains(folder) { seen.append(folder) }
            }
            return seen.joined(separator: "\n")
        }
        let manifest = TranslationManifest(name: name, domainA: domainA, domainB: domainB, options: trainer.model.options,
                                           trainingSteps: trainer.step, trainingSeconds: trainer.state.trainingSeconds,
                                           notes: ["trainA": folders(data.pathsA), "trainB": folders(data.pathsB)])
        try TranslationModel.export(trainer.model, manifest: manifest, to: runFolder + "/model")
        settings.progress("model written to \(runFolder)/model (copy it into a models folder to use it with gantool translate)")
        return outcome
    }

    /// The smallest crop (a multiple of 4) the PatchGAN discriminators take: each of their `layers` stride-2
    /// 4x4 convolutions (padding 1) halves the side, then two stride-1 4x4 convolutions each take one off
    /// (U-GAT-IT's global discriminator has `layers` = its levels − 2 of them).
    public static func smallestSize(discriminatorLayers layers: Int) -> Int {
        func output(_ side: Int) -> Int {
            var s = side
            for _ in 0..<layers { guard s + 2 >= 4 else { return 0 }; s = (s + 2 - 4) / 2 + 1 }
            for _ in 0..<2 { guard s + 2 >= 4 else { return 0 }; s = s + 2 - 4 + 1 }
            return s
        }
        var size = 4
        while output(size) < 1 { size += 4 }
        return size
    }

    /// A domain's default name: the last component of its first input, without trailing slashes.
    static func domainName(_ inputs: [String], fallback: String) -> String {
        guard let first = inputs.first else { return fallback }
        let name = PathName(first).lastComponent
        return name.isEmpty || name == "/" ? fallback : name
    }
}
