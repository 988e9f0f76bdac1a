import Foundation
import GANCore
import GANImageIO
import GANTraining

/// The trainer of CycleGAN models.
public typealias CycleGANTrainer = TranslationTrainer<CycleGANModel>
/// The trainer of CUT and FastCUT models.
public typealias CUTTrainer = TranslationTrainer<CUTModel>
/// The trainer of U-GAT-IT runs.
public typealias UGATITTrainer = TranslationTrainer<UGATITModel>

/// Trains a `CycleGANModel` or `CUTModel` on an `UnpairedImageFolder` over the options' epochs (constant then linear
/// decay) in GANTraining's `TrainingLoop`: losses in `loss_log.csv`, sample grids and checkpoints every few minutes, a
/// clean stop (with a checkpoint) on SIGINT/SIGTERM/SIGXCPU once `handleSignals()` is called. A NaN or Inf in the losses or the
/// weights stops the run or rolls it back to the last checkpoint, as `settings.onNonFinite` says, passing over the
/// item that went bad; a checkpoint never holds non-finite values.
public final class TranslationTrainer<Model: TranslationTrainable>: LoopedTraining, @unchecked Sendable {
    /// The model being trained (replaced by the checkpoint's after a rollback).
    public private(set) var model: Model
    /// The data source.
    public private(set) var data: UnpairedImageFolder
    /// How the run checkpoints, samples, reports and meets NaN: the loop it runs in (`run` sets its step limit,
    /// stop flag and signal handling).
    public var settings: TrainingLoop
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
    /// Seconds of training over every run of the checkpoint chain.
    public var trainingSeconds = 0.0
    /// Raised to stop after the current step.
    public let stopFlag = StopFlag()
    /// Called before each step with the number of the step about to run (1 for the first) and the model: tests
    /// inject faults (a NaN weight) through it.
    var beforeStep: ((Int, Model) -> Void)?
    private var catchesSignals = false
    private var scheduleChange = ScheduleChange()   // a rollback to a checkpoint written before the change keeps it
    private var lastItems: [DataPosition] = []
    private var lastVisuals: Model.Visuals?

    /// A fresh run.
    public init(model: Model, data: UnpairedImageFolder, settings: TrainingLoop) {
        self.model = model
        self.data = data
        self.settings = settings
    }

    /// Continues the run in `settings.runFolder` from its latest checkpoint: weights, optimizer moments and steps,
    /// pools and their generators (CycleGAN) or the sampler (CUT), epoch and position. `data` must list the same images with the same seed.
    /// `change` replaces the run's epoch counts from here on (a longer run, or the decay started now).
    /// - Throws: `TranslationCheckpointError` when there is no usable checkpoint, the data seed differs or the changed
    ///   schedule ends before the checkpoint's epoch.
    public init(resuming settings: TrainingLoop, data: UnpairedImageFolder,
                rescheduling change: ScheduleChange = ScheduleChange()) throws(TranslationCheckpointError) {
        let (model, state) = try Model.loadLatest(runFolder: settings.runFolder, rescheduling: change)
        guard state.dataSeed == data.seed else { throw .mismatch("the checkpoint used data seed \(state.dataSeed), not \(data.seed)") }
        self.model = model
        self.data = data
        self.settings = settings
        scheduleChange = change
        (step, epoch, index, trainingSeconds) = (state.step, state.epoch, state.index, state.trainingSeconds)
        skippedItems = Set(state.skippedItems ?? [])
    }

    /// Total epochs of the schedule.
    public var totalEpochs: Int { model.options.constantEpochs + model.options.decayEpochs }

    /// The state record of the current position.
    public var state: CycleGANTrainingState {
        model.trainingState(step: step, epoch: epoch, index: index, dataSeed: data.seed, trainingSeconds: trainingSeconds,
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
    /// - Throws: `NonFiniteTrainingError` (nothing written) or `TranslationCheckpointError` (the previous checkpoint stays).
    public func saveCheckpoint() throws {
        if let bad = nonFiniteState() {
            let last = savedCheckpoint()
            throw NonFiniteTrainingError(step: step, detail: bad, lastGoodCheckpoint: last?.folder, lastGoodStep: last?.step)
        }
        try model.saveCheckpoint(state: state, runFolder: settings.runFolder)
    }

    /// Makes SIGINT, SIGTERM and SIGXCPU raise `stopFlag` instead of killing the process while `run` runs, so that the loop
    /// writes a checkpoint and returns.
    public func handleSignals() { catchesSignals = true }

    /// Trains until the schedule ends, `maxSteps` more steps are done (`.stepLimit`, no checkpoint written), or a stop
    /// is requested.
    /// - Throws: `DataError` when a domain has no readable image, `TranslationCheckpointError` / `ImageIOError` when
    ///   saving fails, `NonFiniteTrainingError` when a NaN or Inf stops the run (`.stop`, or `.rollback` that did not help).
    @discardableResult
    public func run(maxSteps: Int? = nil) throws -> TrainingOutcome {
        var loop = settings
        loop.maxSteps = maxSteps
        loop.checkpointsAtStepLimit = false
        loop.stopFlag = stopFlag
        loop.handlesSignals = catchesSignals
        return try loop.run(self)
    }

    /// Writes `samples/step-<n>.png` and `samples/latest.png` (each atomically), and the loss curve.
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
    public func writeLossCurve() throws { try LossCurve.write(forLogIn: settings.runFolder) }

    // MARK: LoopedTraining

    /// The model's loss names (CycleGAN: `G_A,G_B,cycle_A,cycle_B,idt_A,idt_B,D_A,D_B`; CUT: `G_GAN,D,NCE,NCE_Y`).
    public var lossNames: [String] { Model.Losses.names }

    /// Pairs per step (the options' batch size).
    public var batchSize: Int { model.options.batchSize }

    /// The positions of the next step's pairs in the epoch's order: the next `batchSize` items from `index` not passed
    /// over, or nil when fewer are left in the epoch.
    private func nextBatch() -> [Int]? {
        var positions: [Int] = [], i = index
        while positions.count < batchSize && i < data.count {
            if !skippedItems.contains(DataPosition(epoch: epoch, index: i)) { positions.append(i) }
            i += 1
        }
        return positions.count == batchSize ? positions : nil
    }

    /// Moves past the end of an epoch and items passed over; false when every epoch is done.
    public func hasStepsLeft() -> Bool {
        while epoch < totalEpochs {
            if let batch = nextBatch() { index = batch[0]; return true }
            epoch += 1; index = 0
        }
        return false
    }

    /// One step on the next `batchSize` pairs of the epoch's order; a data-parallel rank loads and trains on its
    /// rows of them.
    public func trainStep() throws -> TrainingStepRecord {
        guard let batch = nextBatch() else { preconditionFailure("TranslationTrainer.trainStep: no steps left (call hasStepsLeft first)") }
        model.setLearningRate(epoch: epoch)
        var a: [Float] = [], b: [Float] = [], shape: [Int] = []
        for position in batch.localBatch {
            let pair = try data.pair(epoch: epoch, index: position)
            a += pair.a.scalars; b += pair.b.scalars
            shape = Array(pair.a.shape.dropFirst())
        }
        let rows = a.count / max(shape.reduce(1, *), 1)
        beforeStep?(step + 1, model)
        let (losses, visuals) = model.trainStepWithVisuals(realA: Tensor(shape: [rows] + shape, scalars: a),
                                                           realB: Tensor(shape: [rows] + shape, scalars: b))
        step += 1; index = batch[batch.count - 1] + 1
        (lastItems, lastVisuals) = (batch.map { DataPosition(epoch: epoch, index: $0) }, visuals)
        return TrainingStepRecord(step: step, values: losses.values, epoch: "\(epoch)", learningRate: model.learningRate, images: batch.count)
    }

    /// The latest checkpoint's folder and step.
    public func savedCheckpoint() -> (folder: String, step: Int)? {
        (try? CycleGANCheckpoint.latestState(runFolder: settings.runFolder)).map { ($0.folder, $0.state.step) }
    }

    /// Reloads the latest checkpoint and passes over the item of the step that went bad from then on.
    public func rollBack(from badStep: Int) throws -> String {
        let (restored, state) = try Model.loadLatest(runFolder: settings.runFolder, rescheduling: scheduleChange)
        model = restored
        (step, epoch, index) = (state.step, state.epoch, state.index)
        rollbacks += 1
        guard let first = lastItems.first else { return "" }
        skippedItems.formUnion(lastItems)
        let numbers = lastItems.map { "\($0.index + 1)" }.joined(separator: ", ")
        return "; item\(lastItems.count > 1 ? "s" : "") \(numbers) of epoch \(first.epoch + 1) will be passed over"
    }

    /// Writes the grid of the last step's visuals.
    public func writeSamples() throws {
        if let lastVisuals { try writeSample(lastVisuals) }
    }

    /// "epoch 2/4 [3/6] step 9  G_A 0.512 ...  12.00 img/s".
    public func progressLine(_ record: TrainingStepRecord, stepsPerSecond: Double) -> String {
        let named = zip(lossNames, record.values).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: " ")
        let shown = epoch < totalEpochs ? (epoch + 1, index) : (totalEpochs, data.count)   // after the last step: the end
        return "epoch \(shown.0)/\(totalEpochs) [\(shown.1)/\(data.count)] step \(step)  \(named)  "
            + String(format: "%.2f", stepsPerSecond * Double(record.images)) + " img/s"
    }

    /// Says where a stopped run's checkpoint went.
    public func finish(_ outcome: TrainingOutcome) throws {
        if outcome != .finished { settings.progress("stopped at step \(step); checkpoint written to \(settings.runFolder)/checkpoints") }
    }
}
