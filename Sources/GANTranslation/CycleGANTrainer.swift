import Foundation
import GANCore
import GANImageIO

/// How a training run reports, saves and stops.
public struct CycleGANTrainerSettings: Sendable {
    /// The run folder: checkpoints, `loss_log.csv`, `samples/`.
    public var runFolder: String
    /// Seconds between checkpoints (nil: only at the end and on a stop request).
    public var checkpointInterval: Double? = 600
    /// Seconds between sample grids (nil: none).
    public var sampleInterval: Double? = 300
    /// Seconds between progress lines on stderr (nil: silent).
    public var progressInterval: Double? = 2
    /// Where progress lines go.
    public var progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Settings for a run in `runFolder`.
    public init(runFolder: String) { self.runFolder = runFolder }
}

/// Why `CycleGANTrainer.run` returned.
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

/// Trains a `CycleGANModel` on an `UnpairedImageFolder` over the options' epochs (constant then linear decay),
/// logging losses to `loss_log.csv`, writing sample grids and checkpoints every few minutes, and stopping
/// cleanly (with a checkpoint) on SIGINT/SIGTERM once `handleSignals()` is called.
public final class CycleGANTrainer: @unchecked Sendable {
    /// The model being trained.
    public let model: CycleGANModel
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
    /// Raised to stop after the current step.
    public let stopFlag = StopFlag()
    private var previousSeconds = 0.0
    private var runStart: Date?
    private var signalSources: [DispatchSourceSignal] = []

    /// A fresh run.
    public init(model: CycleGANModel, data: UnpairedImageFolder, settings: CycleGANTrainerSettings) {
        self.model = model
        self.data = data
        self.settings = settings
    }

    /// Continues the run in `settings.runFolder` from its latest checkpoint: weights, optimizer moments and steps,
    /// pools and their generators, epoch and position. `data` must list the same images with the same seed.
    /// - Throws: `CheckpointError` when there is no usable checkpoint or the data seed differs.
    public init(resuming settings: CycleGANTrainerSettings, data: UnpairedImageFolder) throws(CheckpointError) {
        let (model, state) = try CycleGANCheckpoint.load(runFolder: settings.runFolder)
        guard state.dataSeed == data.seed else { throw .mismatch("the checkpoint used data seed \(state.dataSeed), not \(data.seed)") }
        self.model = model
        self.data = data
        self.settings = settings
        (step, epoch, index, previousSeconds) = (state.step, state.epoch, state.index, state.trainingSeconds)
        LossLog.truncate(settings.runFolder + "/loss_log.csv", afterStep: step)
    }

    /// Total epochs of the schedule.
    public var totalEpochs: Int { model.options.constantEpochs + model.options.decayEpochs }

    /// The state record of the current position.
    public var state: CycleGANTrainingState {
        CycleGANTrainingState(step: step, epoch: epoch, index: index, dataSeed: data.seed, options: model.options,
                              poolGeneratorStates: [model.fakeBPool.generator.state, model.fakeAPool.generator.state],
                              optimizerSteps: [model.generatorOptimizer.stepCount, model.discriminatorOptimizer.stepCount],
                              trainingSeconds: previousSeconds + (runStart.map { Date().timeIntervalSince($0) } ?? 0))
    }

    /// Writes a checkpoint of the current position.
    public func saveCheckpoint() throws(CheckpointError) {
        try CycleGANCheckpoint.save(model, state: state, runFolder: settings.runFolder)
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
    /// - Throws: `DataError` when a domain has no readable image, `CheckpointError` / `ImageIOError` when saving fails.
    @discardableResult
    public func run(maxSteps: Int? = nil) throws -> TrainingOutcome {
        try FileManager.default.createDirectory(atPath: settings.runFolder, withIntermediateDirectories: true)
        let log = try LossLog(path: settings.runFolder + "/loss_log.csv")
        let start = Date()
        runStart = start
        defer { previousSeconds += Date().timeIntervalSince(start); runStart = nil }
        var lastCheckpoint = start, lastSample = start, lastProgress = start
        var stepsThisRun = 0, itemsSinceProgress = 0
        while epoch < totalEpochs {
            model.setLearningRate(epoch: epoch)
            while index < data.count {
                if stopFlag.isRaised {
                    try saveCheckpoint()
                    settings.progress("stopped at step \(step); checkpoint written to \(settings.runFolder)/checkpoints")
                    return stopFlag.signal.map { .interrupted(signal: $0) } ?? .stopped
                }
                if let maxSteps, stepsThisRun >= maxSteps { return .stepLimit }
                let pair = try data.pair(epoch: epoch, index: index)
                let (losses, visuals) = model.trainStepWithVisuals(realA: pair.a, realB: pair.b)
                step += 1; index += 1; stepsThisRun += 1; itemsSinceProgress += pair.a.shape[0]
                let now = Date()
                log.append(step: step, epoch: epoch, seconds: state.trainingSeconds,
                           learningRate: model.generatorOptimizer.learningRate, losses: losses)
                if let interval = settings.progressInterval, now.timeIntervalSince(lastProgress) >= interval {
                    let rate = Double(itemsSinceProgress) / now.timeIntervalSince(lastProgress)
                    let named = zip(CycleGANLosses.names, losses.values).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: " ")
                    settings.progress("epoch \(epoch + 1)/\(totalEpochs) [\(index)/\(data.count)] step \(step)  \(named)  \(String(format: "%.2f", rate)) img/s")
                    lastProgress = now; itemsSinceProgress = 0
                }
                if let interval = settings.sampleInterval, now.timeIntervalSince(lastSample) >= interval {
                    try writeSample(visuals)
                    lastSample = now
                }
                if let interval = settings.checkpointInterval, now.timeIntervalSince(lastCheckpoint) >= interval {
                    try saveCheckpoint()
                    lastCheckpoint = now
                }
            }
            epoch += 1; index = 0
        }
        try saveCheckpoint()
        return .finished
    }

    /// Writes `samples/step-<n>.png` and `samples/latest.png` (each atomically).
    public func writeSample(_ visuals: CycleGANVisuals) throws {
        let folder = settings.runFolder + "/samples"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let grid = try SampleGrid.image(visuals)
        try grid.write(to: folder + String(format: "/step-%09d.png", step))
        try grid.write(to: folder + "/latest.png")
        try writeLossCurve()
    }

    /// Writes `loss_curve.png` in the run folder from `loss_log.csv` (atomically; nothing before two steps).
    public func writeLossCurve() throws {
        let log = (try? String(contentsOfFile: settings.runFolder + "/loss_log.csv", encoding: .utf8)) ?? ""
        let (steps, series) = LossCurve.read(csv: log)
        try LossCurve.image(steps: steps, series: series)?.write(to: settings.runFolder + "/loss_curve.png")
    }
}

/// The CSV loss log: `step,epoch,seconds,lr,G_A,G_B,cycle_A,cycle_B,idt_A,idt_B,D_A,D_B`, one row per step, appended.
final class LossLog {
    private let handle: FileHandle

    /// Opens (creating with a header) the log at `path` for appending.
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            let header = (["step", "epoch", "seconds", "lr"] + CycleGANLosses.names).joined(separator: ",") + "\n"
            try FileAccess.writeAtomically(Array(header.utf8), to: path)
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// Appends one row.
    func append(step: Int, epoch: Int, seconds: Double, learningRate: Float, losses: CycleGANLosses) {
        let row = ["\(step)", "\(epoch)", String(format: "%.2f", seconds), "\(learningRate)"] + losses.values.map { "\($0)" }
        handle.write(Data((row.joined(separator: ",") + "\n").utf8))
    }

    /// Drops rows after `step` (written after the checkpoint a resumed run starts from).
    static func truncate(_ path: String, afterStep step: Int) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let kept = lines.enumerated().filter { k, line in k == 0 || (Int(line.prefix { $0 != "," }) ?? 0) <= step }.map(\.element)
        if kept.count != lines.count { try? FileAccess.writeAtomically(Array((kept.joined(separator: "\n") + "\n").utf8), to: path) }
    }
}
