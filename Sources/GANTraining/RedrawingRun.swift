import Foundation
import GANCore

/// A trainer whose steps are drawn from (seed, step, redraws): after a rollback the step that went bad draws another
/// batch. The pix2pix, inpainting and label-GAN trainers are such trainers.
public protocol RedrawingTrainer: AnyObject {
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
}

extension RedrawingTrainer {
    /// The random source of step `step` (0-based) of a run seeded `seed`: a pure function of the seed, the step and
    /// how often that step was drawn again.
    public func stepRandom(_ step: Int, seed: UInt64) -> SeededGenerator {
        let redraws = UInt64(redrawnSteps[step + 1] ?? 0)
        return SeededGenerator(seed: seed ^ (UInt64(step + 1) &* 0x9E37_79B9_7F4A_7C15) ^ (redraws &* 0xD1B5_4A32_D192_ED03))
    }

    /// The steps drawn again as `state.json` lists them: a step once per redraw, nil when none.
    public var redrawList: [Int]? {
        let list = redrawnSteps.keys.sorted().flatMap { Array(repeating: $0, count: redrawnSteps[$0]!) }
        return list.isEmpty ? nil : list
    }
}

/// A redrawing trainer in the `TrainingLoop`, with its checkpoint folder: a run supplies its step, save, reload,
/// samples and end; the rollback (reload, then redraw the bad step) is the same for all.
public final class RedrawingRun<Trainer: RedrawingTrainer>: LoopedTraining {
    /// The trainer (replaced by the checkpoint's after a rollback).
    public private(set) var trainer: Trainer
    /// The run folder holding the checkpoint.
    public let runFolder: String
    /// Train until this many steps in total.
    public let steps: Int
    /// The loss columns.
    public let lossNames: [String]
    /// One step: the step it completed and its losses in `lossNames` order.
    public var trainStepBody: (Trainer) throws -> (step: Int, values: [Float])
    /// Writes the trainer's checkpoint into the run folder.
    public var save: (Trainer) throws -> Void
    /// The step of the checkpoint on disk, if any.
    public var savedStep: () -> Int?
    /// Reloads the checkpoint on disk.
    public var reload: () throws -> Trainer
    /// Writes the sample grid and the loss curve (nothing by default).
    public var samples: (Trainer) throws -> Void = { _ in }
    /// What ending the run writes (nothing by default).
    public var end: (Trainer, TrainingOutcome) throws -> Void = { _, _ in }
    /// The progress line (default: `step 7/10  G_L1 0.1234 ...  (3.20 steps/s)`).
    public var line: ((Trainer, TrainingStepRecord, Double) -> String)?
    /// The learning rate logged.
    public var learningRate: (Trainer) -> Float
    /// Images per step and in the dataset (the log's epoch column).
    public let imagesPerStep: Int, datasetCount: Int
    /// Called before each step (tests inject faults through it).
    public var beforeStep: ((Trainer) -> Void)?

    /// A run of `trainer` in `runFolder`; set the other closures before running it.
    public init(_ trainer: Trainer, runFolder: String, steps: Int, lossNames: [String], imagesPerStep: Int, datasetCount: Int,
         learningRate: @escaping (Trainer) -> Float, trainStep: @escaping (Trainer) throws -> (step: Int, values: [Float]),
         save: @escaping (Trainer) throws -> Void, savedStep: @escaping () -> Int?, reload: @escaping () throws -> Trainer) {
        (self.trainer, self.runFolder, self.steps, self.lossNames) = (trainer, runFolder, steps, lossNames)
        (self.imagesPerStep, self.datasetCount, self.learningRate) = (imagesPerStep, datasetCount, learningRate)
        (self.trainStepBody, self.save, self.savedStep, self.reload) = (trainStep, save, savedStep, reload)
    }

    public var step: Int { trainer.step }
    public var trainingSeconds: Double {
        get { trainer.trainingSeconds }
        set { trainer.trainingSeconds = newValue }
    }
    public func hasStepsLeft() -> Bool { trainer.step < steps }
    public func nonFiniteState() -> String? { trainer.nonFiniteState() }
    public func saveCheckpoint() throws { try save(trainer) }
    public func savedCheckpoint() -> (folder: String, step: Int)? { savedStep().map { (runFolder, $0) } }
    public func writeSamples() throws { try samples(trainer) }
    public func finish(_ outcome: TrainingOutcome) throws { try end(trainer, outcome) }

    public func trainStep() throws -> TrainingStepRecord {
        beforeStep?(trainer)
        let (step, values) = try trainStepBody(trainer)
        let epoch = Double(step * imagesPerStep) / Double(max(datasetCount, 1))
        return TrainingStepRecord(step: step, values: values, epoch: String(format: "%.4f", epoch), learningRate: learningRate(trainer), images: imagesPerStep)
    }

    /// Reloads the checkpoint, keeps the redraws made so far, and makes `badStep` draw another batch.
    public func rollBack(from badStep: Int) throws -> String {
        let redrawn = trainer.redrawnSteps
        trainer = try reload()
        for (step, count) in redrawn { while (trainer.redrawnSteps[step] ?? 0) < count { trainer.redraw(step: step) } }
        trainer.redraw(step: badStep)
        return "; step \(badStep) draws another batch"
    }

    public func progressLine(_ record: TrainingStepRecord, stepsPerSecond: Double) -> String {
        if let line { return line(trainer, record, stepsPerSecond) }
        let named = zip(lossNames, record.values).map { "\($0) \(String(format: "%.4f", $1))" }.joined(separator: "  ")
        return "step \(record.step)/\(steps)  \(named)  (\(String(format: "%.2f", stepsPerSecond)) steps/s)"
    }
}
