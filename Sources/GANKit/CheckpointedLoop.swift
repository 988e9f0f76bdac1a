import Dispatch
import Foundation
import GANConditional
import GANCore
import GANInpainting
import GANTranslation

/// What `CheckpointedLoop` needs of a trainer whose steps are drawn from (seed, step, redraws).
protocol CheckpointedTrainer: AnyObject {
    /// Steps completed.
    var step: Int { get }
    /// Wall-clock seconds of training over every run of the checkpoint chain.
    var trainingSeconds: Double { get set }
    /// Steps drawn again after NaN or Inf, with how many times.
    var redrawnSteps: [Int: Int] { get }
    /// Makes `step` draw another batch the next time it runs.
    func redraw(step: Int)
    /// The first weight or moment holding NaN or Inf, or nil.
    func nonFiniteState() -> String?
    /// The base learning rate (logged).
    var loggedLearningRate: Float { get }
    /// Samples per step (for the epoch column).
    var samplesPerStep: Int { get }
}

extension Pix2PixTrainer: CheckpointedTrainer {
    var loggedLearningRate: Float { options.learningRate }
    var samplesPerStep: Int { options.batchSize }
}

extension InpaintingTrainer: CheckpointedTrainer {
    var loggedLearningRate: Float { options.learningRate }
    var samplesPerStep: Int { options.batchSize }
}

/// While it lives (until `cancel()`), SIGINT and SIGTERM raise `flag` instead of ending the process, so that a training
/// loop checkpoints and returns; the signals stay ignored afterwards.
final class StopSignals {
    /// Raised by the first signal, which it records.
    let flag = StopFlag()
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching the signals when `enabled`; otherwise the flag is never raised by a signal.
    init(enabled: Bool) {
        guard enabled else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [flag] in flag.raise(signal: sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops catching (the signals stay ignored).
    func cancel() { for source in sources { source.cancel() } }
}

/// The loop the pix2pix and inpainting runs share: steps until `steps` (or `maxSteps` in this invocation, or
/// SIGINT/SIGTERM), a loss-log row per step, a progress line every `progressSeconds`, sample grids every
/// `sampleEvery` steps, checkpoints every `checkpointMinutes` or `checkpointEvery` steps and at the end; NaN or Inf
/// in the losses or weights stops the run with the last checkpoint untouched, or rolls back to it and redraws the
/// step (at most `maxConsecutiveRollbacks` times in a row).
struct CheckpointedLoop<Trainer: CheckpointedTrainer> {
    /// The run folder (`state.json`, `loss_log.csv`).
    var runFolder: String
    /// Train until this many steps in total.
    var steps: Int
    /// Stop after this many steps in this invocation.
    var maxSteps: Int?
    /// Steps between checkpoints.
    var checkpointEvery: Int?
    /// Minutes between checkpoints.
    var checkpointMinutes: Double?
    /// Steps between sample grids.
    var sampleEvery: Int
    /// Seconds between progress lines.
    var progressSeconds: Double
    /// What NaN or Inf does.
    var onNonFinite: NonFinitePolicy
    /// Rollbacks in a row after which the run gives up.
    var maxConsecutiveRollbacks: Int
    /// Whether SIGINT and SIGTERM end the run with a checkpoint.
    var handlesSignals: Bool
    /// Names of the loss columns.
    var lossNames: [String]
    /// Training images (for the epoch column).
    var datasetCount: Int
    /// Progress lines.
    var progress: (String) -> Void
    /// One step: the step number it completed and its losses in `lossNames` order.
    var trainStep: (Trainer) throws -> (step: Int, values: [Float])
    /// Writes a checkpoint of the trainer into the run folder.
    var save: (Trainer) throws -> Void
    /// The step of the checkpoint on disk, if any.
    var savedStep: () -> Int?
    /// Reloads the checkpoint on disk.
    var reload: () throws -> Trainer
    /// Writes the sample grid and the loss curve.
    var writeSamples: (Trainer) throws -> Void
    /// Writes the model folder at the end.
    var finish: (Trainer) throws -> Void
    /// Called before each step (tests inject faults through it).
    var beforeStep: ((Trainer) -> Void)?

    /// Runs from `trainer`; `hasCheckpoint` says whether the run folder already held one.
    func run(_ start: Trainer, hasCheckpoint: Bool) throws -> TrainingOutcome {
        var trainer = start
        let log = TrainingLossLog(path: "\(runFolder)/loss_log.csv", names: lossNames)
        log.truncate(afterStep: trainer.step)
        let signals = StopSignals(enabled: handlesSignals)
        defer { signals.cancel() }
        let stop = signals.flag
        var rollbacksInARow = 0
        let startSeconds = trainer.trainingSeconds, started = Date()
        func elapsed() -> Double { startSeconds + Date().timeIntervalSince(started) }

        /// Checkpoint unless a weight is not finite (then recover); true when written.
        func checkpoint() throws -> Bool {
            if let bad = trainer.nonFiniteState() {
                try recover(step: trainer.step, detail: bad)
                return false
            }
            trainer.trainingSeconds = elapsed()
            try save(trainer)
            rollbacksInARow = 0
            return true
        }

        func recover(step badStep: Int, detail: String) throws {
            let last = savedStep()
            var problem = NonFiniteTrainingError(step: badStep, detail: detail, lastGoodCheckpoint: last.map { _ in runFolder },
                                                 lastGoodStep: last, rollbacks: rollbacksInARow)
            guard onNonFinite == .rollback else { throw problem }
            guard rollbacksInARow < maxConsecutiveRollbacks, last != nil else {
                problem.rollbacks = max(1, rollbacksInARow)
                throw problem
            }
            let redrawn = trainer.redrawnSteps
            trainer = try reload()
            for (step, count) in redrawn { while (trainer.redrawnSteps[step] ?? 0) < count { trainer.redraw(step: step) } }
            trainer.redraw(step: badStep)
            rollbacksInARow += 1
            log.truncate(afterStep: trainer.step)
            progress("step \(badStep): non-finite values (\(detail)); rolled back to step \(trainer.step) (\(runFolder)); step \(badStep) "
                     + "draws another batch [rollback \(rollbacksInARow) of at most \(maxConsecutiveRollbacks) in a row]")
        }

        func end(_ outcome: TrainingOutcome) throws -> TrainingOutcome {
            try writeSamples(trainer)
            try finish(trainer)
            progress("step \(trainer.step): checkpoint in \(runFolder), model written to \(runFolder)/model (copy it into Models/ to use it by name)")
            return outcome
        }

        if onNonFinite == .rollback && !hasCheckpoint { _ = try checkpoint() }
        var lastCheckpoint = Date(), lastProgress = Date(), stepsThisRun = 0, stepsSinceCheckpoint = 0
        while true {
            if trainer.step >= steps {
                if try checkpoint() { return try end(.finished) }
                continue
            }
            if stop.isRaised {
                if try checkpoint() { return try end(stop.signal.map { .interrupted(signal: $0) } ?? .stopped) }
                continue
            }
            if let maxSteps, stepsThisRun >= maxSteps {
                if try checkpoint() { return try end(.stopped) }
                continue
            }
            beforeStep?(trainer)
            let (step, values) = try trainStep(trainer)
            stepsThisRun += 1; stepsSinceCheckpoint += 1
            guard values.allSatisfy(\.isFinite) else {
                try recover(step: step, detail: "losses " + nonFiniteLosses(names: lossNames, values: values))
                continue
            }
            let epoch = Double(step * trainer.samplesPerStep) / Double(max(datasetCount, 1))
            try log.append(step: step, epoch: epoch, seconds: elapsed(), learningRate: trainer.loggedLearningRate, values: values)
            let now = Date()
            if now.timeIntervalSince(lastProgress) >= progressSeconds || step == steps || stepsThisRun == 1 {
                let rate = Double(stepsThisRun) / max(now.timeIntervalSince(started), 1e-9)
                let named = zip(lossNames, values).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  ")
                progress("step \(step)/\(steps)  \(named)  (\(String(format: "%.2f", rate)) steps/s)")
                lastProgress = now
            }
            if step % sampleEvery == 0 { try writeSamples(trainer) }
            let dueByTime = checkpointMinutes.map { now.timeIntervalSince(lastCheckpoint) >= $0 * 60 } ?? false
            let dueBySteps = checkpointEvery.map { stepsSinceCheckpoint >= $0 } ?? false
            if (dueByTime || dueBySteps) && trainer.step < steps, try checkpoint() {
                lastCheckpoint = now; stepsSinceCheckpoint = 0
            }
        }
    }
}
