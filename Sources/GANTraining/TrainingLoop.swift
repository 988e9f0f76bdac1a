import Foundation
import GANCore
import GANImageIO

/// What `TrainingLoop` drives: one run's trainer together with its checkpoint folder. Each family supplies its steps,
/// its checkpoint and its samples; the loop does the rest (stop signals, checkpoints by steps or minutes, the loss
/// log, progress lines, NaN or Inf handling).
public protocol LoopedTraining: AnyObject {
    /// Steps completed.
    var step: Int { get }
    /// Seconds of training over every run of the checkpoint chain; the loop keeps it current before each checkpoint.
    var trainingSeconds: Double { get set }
    /// The loss columns of `loss_log.csv`, in the order `trainStep` returns them.
    var lossNames: [String] { get }
    /// Whether the schedule has steps left (it may first move past the end of an epoch or items passed over).
    func hasStepsLeft() -> Bool
    /// Runs the next step.
    func trainStep() throws -> TrainingStepRecord
    /// The first weight or optimizer moment holding NaN or Inf ("parameter G.model.1.weight"), or nil.
    func nonFiniteState() -> String?
    /// Writes a checkpoint of the current step (every weight is finite: the loop checked).
    func saveCheckpoint() throws
    /// The checkpoint on disk, if any: its folder and step.
    func savedCheckpoint() -> (folder: String, step: Int)?
    /// Reloads the checkpoint on disk so that the steps after it avoid what made `badStep` go bad (its batch is drawn
    /// again, or its item passed over); returns that as a clause for the log ("; step 7 draws another batch").
    func rollBack(from badStep: Int) throws -> String
    /// Writes the sample grid and the loss curve.
    func writeSamples() throws
    /// The progress line of a step.
    func progressLine(_ record: TrainingStepRecord, stepsPerSecond: Double) -> String
    /// Called once when the loop returns after a checkpoint (not at `.stepLimit`): last samples, model folder.
    func finish(_ outcome: TrainingOutcome) throws
}

/// One step as the loop logs it.
public struct TrainingStepRecord: Sendable {
    /// The step completed (1 for the first).
    public var step: Int
    /// Its losses, in `lossNames` order.
    public var values: [Float]
    /// The loss log's epoch column ("3" or "0.2133").
    public var epoch: String
    /// The learning rate logged.
    public var learningRate: Float
    /// Images the step consumed (for rates in images per second).
    public var images: Int

    /// A record.
    public init(step: Int, values: [Float], epoch: String, learningRate: Float, images: Int) {
        (self.step, self.values, self.epoch, self.learningRate, self.images) = (step, values, epoch, learningRate, images)
    }
}

/// How often something happens in a run: every N steps (at multiples of N, so that a resumed run keeps the same
/// checkpoints and snapshots), or every so many seconds.
public enum TrainingCadence: Sendable, Equatable {
    /// At every step that is a multiple of N.
    case steps(Int)
    /// When this many seconds have passed since the last time.
    case seconds(Double)

    /// Whether it is due at `step`, `since` seconds after the last time.
    func isDue(step: Int, since seconds: Double) -> Bool {
        switch self {
        case let .steps(n): step % n == 0
        case let .seconds(s): seconds >= s
        }
    }

    /// Whether it counts seconds.
    var isTimed: Bool { if case .seconds = self { true } else { false } }

    /// Whether the cadence is a positive interval.
    var isValid: Bool {
        switch self {
        case let .steps(n): n > 0
        case let .seconds(s): s >= 0 && s.isFinite
        }
    }
}

/// The training loop every GANKit trainer runs in: steps until the trainer's schedule ends (or `maxSteps` in this
/// invocation, or a stop), a `loss_log.csv` row per step, progress lines, sample grids and checkpoints at their
/// cadences and at the end. A NaN or Inf in the losses (every step) or the weights (before every checkpoint) stops the
/// run with the last checkpoint untouched, or rolls back to it (at most `maxConsecutiveRollbacks` times in a row);
/// a checkpoint never holds non-finite values.
///
/// In a data-parallel run (`DataParallel.start()` under `mpirun`) every rank runs the loop in step: each step is a
/// collective step (gradients averaged, batch statistics summed), the logged losses are the ranks' mean, every
/// decision to stop, checkpoint or roll back is taken by all ranks together, and rank 0 alone writes the loss log,
/// progress, samples and checkpoints.
public struct TrainingLoop {
    /// The run folder (`loss_log.csv`).
    public var runFolder: String
    /// Stop after this many steps in this invocation.
    public var maxSteps: Int?
    /// Whether reaching `maxSteps` writes a checkpoint and finishes (`.stopped`), or returns `.stepLimit` as it is.
    public var checkpointsAtStepLimit = true
    /// Checkpoints by steps (at multiples) and by time: whichever comes first. Neither: only at the end.
    public var checkpointEvery: [TrainingCadence] = [.seconds(600)]
    /// Sample grids (nil: only at the end).
    public var sampleEvery: TrainingCadence? = .seconds(300)
    /// Progress lines (nil: silent), and one at the last step of the schedule; a time cadence also prints the first
    /// step of each invocation.
    public var progressEvery: TrainingCadence? = .seconds(2)
    /// What NaN or Inf does.
    public var onNonFinite = NonFinitePolicy.stop
    /// Rollbacks in a row without a new checkpoint, after which the run gives up.
    public var maxConsecutiveRollbacks = 3
    /// Raised to stop after the current step (with a checkpoint).
    public var stopFlag = StopFlag()
    /// Whether SIGINT, SIGTERM and SIGXCPU raise `stopFlag` while the loop runs.
    public var handlesSignals = true
    /// Where progress lines go.
    public var progress: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// A loop over the run folder `runFolder`.
    public init(runFolder: String) { self.runFolder = runFolder }

    /// The problem with the settings, if any.
    public var problem: String? {
        if let maxSteps, maxSteps < 0 { return "the step limit must be >= 0, got \(maxSteps)" }
        guard (checkpointEvery + [sampleEvery, progressEvery].compactMap { $0 }).allSatisfy(\.isValid) else {
            return "the checkpoint, sample and progress intervals must be positive"
        }
        return maxConsecutiveRollbacks >= 0 ? nil : "the rollback limit must be >= 0"
    }

    /// Trains `trainer` until its schedule ends, the step limit, or a stop.
    /// - Throws: `NonFiniteTrainingError` when NaN or Inf ends the run; whatever the trainer's steps and saves throw;
    ///   `ImageIOError` when the loss log cannot be written.
    @discardableResult
    public func run(_ trainer: some LoopedTraining) throws -> TrainingOutcome {
        if let problem { throw TrainingLoopError.invalidSettings(problem) }
        let ranks = DataParallel.group.flatMap { $0.size > 1 ? $0 : nil }, leads = ranks?.isLeader ?? true
        /// Whether `flag` holds on any rank (the flag itself outside a data-parallel run).
        func together(_ flag: Bool) -> Bool { ranks?.any(flag) ?? flag }
        /// Runs `body` on rank 0 alone; every rank throws if it threw.
        func onLeader(_ body: () throws -> Void) throws {
            var failure: Error?
            if leads { do { try body() } catch { failure = error } }
            if together(failure != nil) { throw failure ?? DataParallelRunError.leaderFailed }
        }
        if leads { try FileAccess.makeFolders(runFolder) }
        var log = leads ? try LossLog(path: "\(runFolder)/loss_log.csv", names: trainer.lossNames, keepingUpToStep: trainer.step) : nil
        let signals = StopSignals(raising: stopFlag, enabled: handlesSignals)
        defer { signals.cancel() }
        let startSeconds = trainer.trainingSeconds, started = Date()
        func elapsed() -> Double { startSeconds + Date().timeIntervalSince(started) }
        defer { trainer.trainingSeconds = elapsed() }
        var rollbacksInARow = 0, stepsThisRun = 0
        var lastCheckpoint = started, lastSample = started, lastProgress = started

        func recover(step badStep: Int, detail: String) throws {
            let last = trainer.savedCheckpoint()
            var problem = NonFiniteTrainingError(step: badStep, detail: detail, lastGoodCheckpoint: last?.folder,
                                                 lastGoodStep: last?.step, rollbacks: rollbacksInARow)
            guard onNonFinite == .rollback else { throw problem }
            guard rollbacksInARow < maxConsecutiveRollbacks, let last else {
                problem.rollbacks = max(1, rollbacksInARow)
                throw problem
            }
            let avoided = try trainer.rollBack(from: badStep)
            rollbacksInARow += 1
            lastCheckpoint = Date()
            log = try log?.reopened(keepingUpToStep: trainer.step)
            if leads { progress("step \(badStep): non-finite values (\(detail)); rolled back to step \(trainer.step) (\(last.folder))\(avoided) "
                     + "[rollback \(rollbacksInARow) of at most \(maxConsecutiveRollbacks) in a row]") }
        }

        /// Checkpoints unless a weight is not finite (then recovers); true when written.
        func checkpoint() throws -> Bool {
            let bad = trainer.nonFiniteState()
            if together(bad != nil) {
                try recover(step: trainer.step, detail: bad ?? "a weight on another rank")
                return false
            }
            trainer.trainingSeconds = elapsed()
            try onLeader { try trainer.saveCheckpoint() }
            rollbacksInARow = 0
            lastCheckpoint = Date()
            return true
        }

        let reducedAtStart = DataParallel.reducedBytes
        /// The allreduce volume of the steps run, for the log of a data-parallel run.
        func reportVolume() {
            guard let ranks, leads, stepsThisRun > 0 else { return }
            let perStep = Double(DataParallel.reducedBytes - reducedAtStart) / Double(stepsThisRun)
            progress(String(format: "data-parallel over %d ranks: %.2f MB allreduced per step (%d steps, %.2f steps/s)", ranks.size, perStep / 1e6,
                            stepsThisRun, Double(stepsThisRun) / max(Date().timeIntervalSince(started), 1e-9)))
        }

        func end(_ outcome: TrainingOutcome) throws -> TrainingOutcome {
            reportVolume()
            trainer.trainingSeconds = elapsed()
            try onLeader { try trainer.finish(outcome) }
            return outcome
        }

        if onNonFinite == .rollback && trainer.savedCheckpoint() == nil { _ = try checkpoint() }   // something to roll back to
        while true {
            guard trainer.hasStepsLeft() else {
                if try checkpoint() { return try end(.finished) }
                continue
            }
            if together(stopFlag.isRaised) {
                if try checkpoint() { return try end(stopFlag.signal.map { .interrupted(signal: $0) } ?? .stopped) }
                continue
            }
            if let maxSteps, stepsThisRun >= maxSteps {
                guard checkpointsAtStepLimit else { reportVolume(); return .stepLimit }
                if try checkpoint() { return try end(.stopped) }
                continue
            }
            var record = try DataParallel.collectiveStep { try trainer.trainStep() }
            if let ranks {   // the ranks' mean losses
                ranks.sum(&record.values)
                record.values = record.values.map { $0 / Float(ranks.size) }
            }
            stepsThisRun += 1
            guard allFinite(record.values) else {
                try recover(step: record.step, detail: "losses " + nonFiniteLosses(names: trainer.lossNames, values: record.values))
                continue
            }
            try log?.append(step: record.step, epoch: record.epoch, seconds: elapsed(), learningRate: record.learningRate, values: record.values)
            let now = Date()
            if let progressEvery, progressEvery.isDue(step: record.step, since: now.timeIntervalSince(lastProgress))
                || (stepsThisRun == 1 && progressEvery.isTimed) || !trainer.hasStepsLeft(), leads {
                let rate = Double(stepsThisRun) / max(now.timeIntervalSince(started), 1e-9)
                progress(trainer.progressLine(record, stepsPerSecond: rate))
                lastProgress = now
            }
            if let sampleEvery, sampleEvery.isDue(step: record.step, since: now.timeIntervalSince(lastSample)), leads {
                try trainer.writeSamples()
                lastSample = now
            }
            let since = now.timeIntervalSince(lastCheckpoint)
            if together(checkpointEvery.contains(where: { $0.isDue(step: record.step, since: since) })), trainer.hasStepsLeft() {
                _ = try checkpoint()
            }
        }
    }
}

/// Why a training loop could not start.
public enum TrainingLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A cadence or limit is out of range.
    case invalidSettings(String)

    /// The problem.
    public var description: String {
        switch self {
        case let .invalidSettings(detail): detail
        }
    }
}

/// Why a rank of a data-parallel run stopped.
public enum DataParallelRunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Rank 0 failed to write a checkpoint or the run's last files (its own error says why).
    case leaderFailed

    /// The problem.
    public var description: String {
        switch self {
        case .leaderFailed: "rank 0 could not write the run's files (see its error)"
        }
    }
}
