import Foundation
import GANCore
import GANImageIO

/// How a training run reports, saves and stops.
public struct CycleGANTrainerSettings: Sendable {
    /// The run folder: checkpoints, `loss_log.csv`, `samples/`.
    public var runFolder: String
    /// Seconds between checkpoints (nil: only at the end and on a stop request).
    public var checkpointInterval: Double? = 600
    /// Steps between checkpoints (nil: by time only). With both intervals set, whichever comes first writes one.
    public var checkpointEverySteps: Int?
    /// What a NaN or Inf in a step's losses, or in the weights about to be saved, does.
    public var onNonFinite = NonFinitePolicy.stop
    /// With `.rollback`: rollbacks in a row, without a new checkpoint between them, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Seconds between sample grids (nil: none).
    public var sampleInterval: Double? = 300
    /// Seconds between progress lines on stderr (nil: silent).
    public var progressInterval: Double? = 2
    /// Where progress lines go.
    public var progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Settings for a run in `runFolder`.
    public init(runFolder: String) { self.runFolder = runFolder }
}

/// Why `TranslationTrainer.run` returned.
public enum TrainingOutcome: Sendable, Equatable {
    /// Every epoch of the schedule is done (a final checkpoint was written).
    case finished
    /// The step limit passed to `run` was reached (no checkpoint written).
    case stepLimit
    /// A stop was requested through `stopFlag`; a checkpoint was written.
    case stopped
    /// SIGINT or SIGTERM arrived (`signal` is its number); a checkpoint was written. Command-line
    /// tools exit with 128 + signal, as a shell reports a process the signal ended.
    case interrupted(signal: Int32)
}

/// A thread-safe flag that signal handlers raise and the training loop reads.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var raisedBy: Int32?
    /// Creates a lowered flag.
    public init() {}
    /// Raises the flag, recording the signal that asked for the stop, if any.
    public func raise(signal: Int32? = nil) {
        lock.lock(); raised = true; raisedBy = raisedBy ?? signal; lock.unlock()
    }
    /// Whether the flag is raised.
    public var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
    /// The signal that raised the flag, if one did.
    public var signal: Int32? { lock.lock(); defer { lock.unlock() }; return raisedBy }
}

/// The trainer of CycleGAN models.
public typealias CycleGANTrainer = TranslationTrainer<CycleGANModel>
/// The trainer of CUT and FastCUT models.
public typealias CUTTrainer = TranslationTrainer<CUTModel>

/// Trains a `CycleGANModel` or `CUTModel` on an `UnpairedImageFolder` over the options' epochs (constant then linear decay),
/// logging losses to `loss_log.csv`, writing sample grids and checkpoints every few minutes, and stopping
/// cleanly (with a checkpoint) on SIGINT/SIGTERM once `handleSignals()` is called. A NaN or Inf in the losses
/// (checked every step) or in the weights and moments (checked before every checkpoint) stops the run or rolls
/// it back to the last checkpoint, as `settings.onNonFinite` says; a checkpoint never holds non-finite values.
public final class TranslationTrainer<Model: TranslationTrainable>: @unchecked Sendable {
    /// The model being trained (replaced by the checkpoint's after a rollback).
    public private(set) var model: Model
    /// The data source.
    public private(set) var data: UnpairedImageFolder
    /// Reporting and saving settings.
    public var settings: CycleGANTrainerSettings
    /// Steps completed.
    public private(set) var step = 0
    /// The epoch in progress.
    public private(set) var epoch = 0
    /// The next position in the epoch's order.
    public private(set) var index = 0
    /// Items of the data order passed over because they produced NaN or Inf (saved in checkpoints).
    public private(set) var skippedItems: Set<DataPosition> = []
    /// Rollbacks made by `run` in this process.
    public private(set) var rollbacks = 0
    /// Raised to stop after the current step.
    public let stopFlag = StopFlag()
    /// Called before each step with the number of the step about to run (1 for the first) and the model: tests
    /// inject faults (a NaN weight) through it.
    var beforeStep: ((Int, Model) -> Void)?
    private var previousSeconds = 0.0
    private var runStart: Date?
    private var signalSources: [DispatchSourceSignal] = []

    /// A fresh run.
    public init(model: Model, data: UnpairedImageFolder, settings: CycleGANTrainerSettings) {
        self.model = model
        self.data = data
        self.settings = settings
    }

    /// Continues the run in `settings.runFolder` from its latest checkpoint: weights, optimizer moments and steps,
    /// pools and their generators (CycleGAN) or the sampler (CUT), epoch and position. `data` must list the same images with the same seed.
    /// - Throws: `CheckpointError` when there is no usable checkpoint or the data seed differs.
    public init(resuming settings: CycleGANTrainerSettings, data: UnpairedImageFolder) throws(CheckpointError) {
        let (model, state) = try Model.loadLatest(runFolder: settings.runFolder)
        guard state.dataSeed == data.seed else { throw .mismatch("the checkpoint used data seed \(state.dataSeed), not \(data.seed)") }
        self.model = model
        self.data = data
        self.settings = settings
        (step, epoch, index, previousSeconds) = (state.step, state.epoch, state.index, state.trainingSeconds)
        skippedItems = Set(state.skippedItems ?? [])
        LossLog.truncate(settings.runFolder + "/loss_log.csv", afterStep: step, columns: 4 + Model.Losses.names.count)
    }

    /// Total epochs of the schedule.
    public var totalEpochs: Int { model.options.constantEpochs + model.options.decayEpochs }

    /// The state record of the current position.
    public var state: CycleGANTrainingState {
        model.trainingState(step: step, epoch: epoch, index: index, dataSeed: data.seed,
                            trainingSeconds: previousSeconds + (runStart.map { Date().timeIntervalSince($0) } ?? 0),
                            skippedItems: skippedItems.isEmpty ? nil : skippedItems.sorted())
    }

    /// The first weight, buffer or optimizer moment holding NaN or Inf ("parameter G_A.model.1.weight"), or nil.
    public func nonFiniteState() -> String? {
        for (net, module) in model.networks {
            if let name = module.firstNonFiniteState() { return "parameter \(net).\(name)" }
        }
        for (label, optimizer) in model.optimizers {
            if let k = optimizer.firstNonFiniteMoment() { return "\(label) moments of parameter \(k)" }
        }
        return nil
    }

    /// Writes a checkpoint of the current position, after checking that every weight and moment is finite.
    /// - Throws: `NonFiniteTrainingError` (nothing written) or `CheckpointError` (the previous checkpoint stays).
    public func saveCheckpoint() throws {
        if let bad = nonFiniteState() {
            let last = try? CycleGANCheckpoint.latestState(runFolder: settings.runFolder)
            throw NonFiniteTrainingError(step: step, detail: bad, lastGoodCheckpoint: last?.folder, lastGoodStep: last?.state.step)
        }
        try model.saveCheckpoint(state: state, runFolder: settings.runFolder)
    }

    /// Makes SIGINT and SIGTERM raise `stopFlag` instead of killing the process, so the loop writes a checkpoint and returns.
    public func handleSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let flag = stopFlag
            source.setEventHandler { flag.raise(signal: sig) }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Trains until the schedule ends, `maxSteps` more steps are done, or a stop is requested.
    /// - Throws: `DataError` when a domain has no readable image, `CheckpointError` / `ImageIOError` when saving fails,
    ///   `NonFiniteTrainingError` when a NaN or Inf stops the run (`.stop`, or `.rollback` that did not help).
    @discardableResult
    public func run(maxSteps: Int? = nil) throws -> TrainingOutcome {
        try FileAccess.makeFolders(settings.runFolder)
        // Rows after the current step were written by a run that did not get to checkpoint them (or, for a fresh
        // run, by one killed before its first checkpoint).
        LossLog.truncate(settings.runFolder + "/loss_log.csv", afterStep: step, columns: 4 + Model.Losses.names.count)
        var log = try LossLog(path: settings.runFolder + "/loss_log.csv", names: Model.Losses.names)
        let start = Date()
        runStart = start
        defer { previousSeconds += Date().timeIntervalSince(start); runStart = nil }
        if settings.onNonFinite == .rollback, (try? CycleGANCheckpoint.latestState(runFolder: settings.runFolder)) == nil {
            try saveCheckpoint()   // something to roll back to
        }
        var lastCheckpoint = start, lastSample = start, lastProgress = start
        var stepsThisRun = 0, itemsSinceProgress = 0, stepsSinceCheckpoint = 0, rollbacksInARow = 0
        var lastItem: DataPosition?

        /// Stops (throws) or rolls back to the latest checkpoint, passing over `item` from then on.
        func recover(step badStep: Int, detail: String, item: DataPosition?) throws {
            let last = try? CycleGANCheckpoint.latestState(runFolder: settings.runFolder)
            var problem = NonFiniteTrainingError(step: badStep, detail: detail, lastGoodCheckpoint: last?.folder,
                                                 lastGoodStep: last?.state.step, rollbacks: rollbacksInARow)
            guard settings.onNonFinite == .rollback else { throw problem }
            guard rollbacksInARow < settings.maxConsecutiveRollbacks, last != nil else {
                problem.rollbacks = max(1, rollbacksInARow)
                throw problem
            }
            let (restored, state) = try Model.loadLatest(runFolder: settings.runFolder)
            model = restored
            (step, epoch, index) = (state.step, state.epoch, state.index)
            if let item { skippedItems.insert(item) }
            rollbacksInARow += 1; rollbacks += 1
            stepsSinceCheckpoint = 0; lastCheckpoint = Date()
            log = try log.reopen(truncatingAfterStep: step)
            let passed = item.map { "; item \($0.index + 1) of epoch \($0.epoch + 1) will be passed over" } ?? ""
            settings.progress("step \(badStep): non-finite values (\(detail)); rolled back to step \(step) (\(last!.folder))\(passed) "
                              + "[rollback \(rollbacksInARow) of at most \(settings.maxConsecutiveRollbacks) in a row]")
        }

        /// Writes a checkpoint, or recovers when the weights are not finite; true when one was written.
        func checkpoint() throws -> Bool {
            do { try saveCheckpoint() } catch let problem as NonFiniteTrainingError {
                try recover(step: problem.step, detail: problem.detail, item: lastItem)
                return false
            }
            rollbacksInARow = 0; stepsSinceCheckpoint = 0
            return true
        }

        while true {
            if index >= data.count { epoch += 1; index = 0; continue }
            if epoch >= totalEpochs {
                if try checkpoint() { return .finished }
                continue
            }
            if stopFlag.isRaised {
                try saveCheckpoint()
                settings.progress("stopped at step \(step); checkpoint written to \(settings.runFolder)/checkpoints")
                return stopFlag.signal.map { .interrupted(signal: $0) } ?? .stopped
            }
            if let maxSteps, stepsThisRun >= maxSteps { return .stepLimit }
            let item = DataPosition(epoch: epoch, index: index)
            if skippedItems.contains(item) { index += 1; continue }
            model.setLearningRate(epoch: epoch)
            let pair = try data.pair(epoch: epoch, index: index)
            beforeStep?(step + 1, model)
            let (losses, visuals) = model.trainStepWithVisuals(realA: pair.a, realB: pair.b)
            step += 1; index += 1; stepsThisRun += 1; stepsSinceCheckpoint += 1; itemsSinceProgress += pair.a.shape[0]
            lastItem = item
            guard losses.isFinite else {
                try recover(step: step, detail: "losses " + nonFiniteLosses(names: Model.Losses.names, values: losses.values), item: item)
                continue
            }
            let now = Date()
            try log.append(step: step, epoch: epoch, seconds: state.trainingSeconds,
                           learningRate: model.learningRate, losses: losses.values)
            if let interval = settings.progressInterval, now.timeIntervalSince(lastProgress) >= interval {
                let rate = Double(itemsSinceProgress) / now.timeIntervalSince(lastProgress)
                let named = zip(Model.Losses.names, losses.values).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: " ")
                settings.progress("epoch \(epoch + 1)/\(totalEpochs) [\(index)/\(data.count)] step \(step)  \(named)  \(String(format: "%.2f", rate)) img/s")
                lastProgress = now; itemsSinceProgress = 0
            }
            if let interval = settings.sampleInterval, now.timeIntervalSince(lastSample) >= interval {
                try writeSample(visuals)
                lastSample = now
            }
            let dueByTime = settings.checkpointInterval.map { now.timeIntervalSince(lastCheckpoint) >= $0 } ?? false
            let dueBySteps = settings.checkpointEverySteps.map { stepsSinceCheckpoint >= $0 } ?? false
            if dueByTime || dueBySteps, try checkpoint() { lastCheckpoint = now }
        }
    }

    /// Writes `samples/step-<n>.png` and `samples/latest.png` (each atomically).
    public func writeSample(_ visuals: Model.Visuals) throws {
        let folder = settings.runFolder + "/samples"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let grid = try Model.sampleGrid(visuals)
        for path in [folder + String(format: "/step-%09d.png", step), folder + "/latest.png"] {
            FileAccess.removeStaleTemporaryFiles(for: path)   // left by a process killed while writing it
            try grid.write(to: path)
        }
        try writeLossCurve()
    }

    /// Writes `loss_curve.png` in the run folder from `loss_log.csv` (atomically; nothing before two steps).
    public func writeLossCurve() throws {
        let log = (try? String(contentsOfFile: settings.runFolder + "/loss_log.csv", encoding: .utf8)) ?? ""
        let (steps, series) = LossCurve.read(csv: log)
        FileAccess.removeStaleTemporaryFiles(for: settings.runFolder + "/loss_curve.png")
        try LossCurve.image(steps: steps, series: series)?.write(to: settings.runFolder + "/loss_curve.png")
    }
}

/// The CSV loss log: `step,epoch,seconds,lr,` and the model's loss names (CycleGAN: `G_A,G_B,cycle_A,cycle_B,idt_A,idt_B,D_A,D_B`;
/// CUT: `G_GAN,D,NCE,NCE_Y`), one row per step, appended.
final class LossLog {
    let path: String
    let names: [String]
    private let fd: Int32

    /// Opens (creating with a header) the log at `path` for appending.
    /// - Throws: `ImageIOError.cannotWrite` naming the log.
    init(path: String, names: [String] = CycleGANLosses.names) throws(ImageIOError) {
        self.path = path
        self.names = names
        if !FileManager.default.fileExists(atPath: path) {
            let header = (["step", "epoch", "seconds", "lr"] + names).joined(separator: ",") + "\n"
            try FileAccess.writeAtomically(Array(header.utf8), to: path)
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// Appends one row. A row that does not fit (a full disk) is cut back off and reported.
    /// - Throws: `ImageIOError.cannotWrite` naming the log and the problem.
    func append(step: Int, epoch: Int, seconds: Double, learningRate: Float, losses: [Float]) throws(ImageIOError) {
        let row = ["\(step)", "\(epoch)", String(format: "%.2f", seconds), "\(learningRate)"] + losses.map { "\($0)" }
        let bytes = Array((row.joined(separator: ",") + "\n").utf8)
        let size = lseek(fd, 0, SEEK_END)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                if size >= 0 { _ = ftruncate(fd, size) }
                throw .cannotWrite(path: path, reason: reason)
            }
            done += n
        }
    }

    /// Drops the rows after `step` and opens the log again (after a rollback).
    func reopen(truncatingAfterStep step: Int) throws(ImageIOError) -> LossLog {
        Self.truncate(path, afterStep: step, columns: 4 + names.count)
        return try LossLog(path: path, names: names)
    }

    /// Drops rows after `step` and rows cut short (`LossCurve.truncateLog`).
    static func truncate(_ path: String, afterStep step: Int, columns: Int = 4 + CycleGANLosses.names.count) {
        LossCurve.truncateLog(path, afterStep: step, columns: columns)
    }
}
