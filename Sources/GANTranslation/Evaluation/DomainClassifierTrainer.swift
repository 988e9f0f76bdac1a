import Foundation
import GANCore
import GANImageIO
import GANTraining

/// `state.json` of a domain-classifier training checkpoint: the settings, how far, and the weight files.
public struct DomainClassifierCheckpointState: CheckpointFolderState, Sendable, Equatable {
    /// The format tag, `gankit-domain-classifier-checkpoint/1`.
    public static let currentFormat = "gankit-domain-classifier-checkpoint/1"
    /// The format tag of this file.
    public var format = DomainClassifierCheckpointState.currentFormat
    /// Batches completed.
    public var step: Int
    /// Seconds of training over every run of the checkpoint chain.
    public var trainingSeconds: Double
    /// The domains.
    public var classCount: Int
    /// Training images (the data must have as many to resume).
    public var imageCount: Int
    /// The training settings.
    public var options: DomainClassifierTraining.Options
    /// The network's weights and buffers.
    public var classifierFile: String
    /// Adam's moments.
    public var optimizerFile: String
    /// Adam's step count.
    public var optimizerStep: Int

    /// The weight and moment files.
    public var weightFiles: [String] { [classifierFile, optimizerFile] }
    /// Why the record cannot be resumed, or nil.
    public var problem: String? {
        guard step >= 0, classCount >= 2, imageCount >= 2, options.epochs >= 1, options.batchSize >= 2 else {
            return "step, class count, image count, epochs and batch size out of range"
        }
        return nil
    }
}

/// Trains the domain classifier (the translation judge) one batch at a time in the `TrainingLoop`, so that a long run
/// checkpoints, stops on a signal and resumes exactly. Epoch e's order and the augmentation of step s are drawn from
/// (seed, e) and (seed, s), so a run resumed at any step continues as if it had never stopped. Each epoch has
/// ⌊images / batch⌋ batches, the last taking the remainder (batch norm needs two images).
public final class DomainClassifierTrainer: LoopedTraining, @unchecked Sendable {
    /// The network (in training mode while training).
    public let model: DomainClassifier
    /// The training settings.
    public let options: DomainClassifierTraining.Options
    /// The training images.
    public let data: LabelledImageSet
    /// Batches completed.
    public private(set) var step = 0
    /// Seconds of training over every run of the checkpoint chain.
    public var trainingSeconds = 0.0
    /// The checkpoint folder (nil: train in memory only).
    public let runFolder: String?
    let classCount: Int
    let optimizer: Adam
    private var epochLoss = 0.0, epochRight = 0, epochImages = 0, epochBatches = 0
    private var order: [Int] = [], orderEpoch = -1

    /// A fresh classifier over `data`, seeded by `options.seed`, checkpointing into `runFolder` when given.
    public init(data: LabelledImageSet, classCount: Int, options: DomainClassifierTraining.Options, runFolder: String? = nil) {
        var random = SeededGenerator(seed: options.seed)
        model = DomainClassifier(classCount: classCount, width: options.width, architecture: options.architecture,
                                 blocksPerStage: options.blocksPerStage, using: &random)
        model.train()
        optimizer = Adam(model.parameters(), learningRate: options.learningRate)
        (self.data, self.classCount, self.options, self.runFolder) = (data, classCount, options, runFolder)
    }

    /// Continues the checkpoint in `runFolder` on `data` (the same images); `epochs`, when given, replaces the run's
    /// (the cosine schedule then spans the new total).
    /// - Throws: `TrainingFolderError` naming the file at fault, or `.badState` when the data differ in size.
    public static func resumed(from runFolder: String, data: LabelledImageSet, epochs: Int? = nil) throws(TrainingFolderError) -> DomainClassifierTrainer {
        let folder = Self.folder(runFolder)
        let state: DomainClassifierCheckpointState = try folder.readState()
        guard state.imageCount == data.count else {
            throw .badState(path: folder.statePath, detail: "trained on \(state.imageCount) images, the data have \(data.count)")
        }
        var options = state.options
        if let epochs { options.epochs = epochs }
        let trainer = DomainClassifierTrainer(data: data, classCount: state.classCount, options: options, runFolder: runFolder)
        try trainer.restore(state, from: folder)
        return trainer
    }

    /// The checkpoint in `runFolder` loaded without its training images (to verify it: weights, moments, state).
    /// - Throws: `TrainingFolderError` naming the file at fault.
    public static func loaded(from runFolder: String) throws(TrainingFolderError) -> (trainer: DomainClassifierTrainer, state: DomainClassifierCheckpointState) {
        let folder = Self.folder(runFolder)
        let state: DomainClassifierCheckpointState = try folder.readState()
        let none = LabelledImageSet(preparation: DomainImagePreparation(), squares: [], labels: [], paths: [])
        let trainer = DomainClassifierTrainer(data: none, classCount: state.classCount, options: state.options, runFolder: runFolder)
        try trainer.restore(state, from: folder)
        return (trainer, state)
    }

    /// Takes the weights, moments, step and training seconds of the checkpoint `state` describes.
    private func restore(_ state: DomainClassifierCheckpointState, from folder: TrainingCheckpointFolder) throws(TrainingFolderError) {
        try TrainingCheckpointFolder.load(model, from: folder.path(state.classifierFile))
        try folder.restoreAdamMoments([("classifier", optimizer)], steps: [state.optimizerStep], from: state.optimizerFile)
        (step, trainingSeconds) = (state.step, state.trainingSeconds)
    }

    static func folder(_ runFolder: String) -> TrainingCheckpointFolder { TrainingCheckpointFolder(runFolder, prefixes: ["classifier-", "optimizer-"]) }

    /// Batches per epoch.
    public var stepsPerEpoch: Int { max(1, data.count / options.batchSize) }
    /// Batches of the whole schedule.
    public var totalSteps: Int { options.epochs * stepsPerEpoch }

    /// The images of batch `index` of `epoch`.
    func batch(epoch: Int, index: Int) -> ArraySlice<Int> {
        if orderEpoch != epoch {   // drawn once an epoch
            var random = SeededGenerator(seed: options.seed ^ (UInt64(epoch + 1) &* 0xA24B_AED4_963E_E407))
            (order, orderEpoch) = (Array(0..<data.count), epoch)
            order.shuffle(using: &random)
        }
        let start = index * options.batchSize
        return order[start..<(index == stepsPerEpoch - 1 ? data.count : start + options.batchSize)]
    }

    /// Runs the schedule to its end in memory (no checkpoints), then puts the network in evaluation mode.
    public func trainToEnd(progress: (String) -> Void) {
        while hasStepsLeft() {
            let record = trainStep()
            if record.step % stepsPerEpoch == 0 { progress(progressLine(record, stepsPerSecond: 0)) }
        }
        finishTraining()
    }

    /// Evaluation mode, with test-time flips as the options say.
    public func finishTraining() {
        model.eval()
        model.averagesFlips = options.testTimeFlips
    }

    // MARK: LoopedTraining

    /// `loss` and `accuracy` of each batch.
    public var lossNames: [String] { ["loss", "accuracy"] }

    /// Whether batches are left.
    public func hasStepsLeft() -> Bool { step < totalSteps }

    /// One Adam step on the next batch, the learning rate on a half cosine from `options.learningRate` to 0.
    public func trainStep() -> TrainingStepRecord {
        let (epoch, index) = (step / stepsPerEpoch, step % stepsPerEpoch)
        if index == 0 { (epochLoss, epochRight, epochImages, epochBatches) = (0, 0, 0, 0) }
        let indices = batch(epoch: epoch, index: index)
        let (l, s) = (data.preparation.loadSize, data.preparation.inputSize)
        var random = SeededGenerator(seed: options.seed ^ (UInt64(step + 1) &* 0x9E37_79B9_7F4A_7C15))
        var values: [Float] = []
        values.reserveCapacity(indices.count * 3 * s * s)
        for i in indices {
            switch options.augmentation {
            case .cropsAndFlips:
                let x = Int(random.next() % UInt64(l - s + 1)), y = Int(random.next() % UInt64(l - s + 1))
                values += data.preparation.crop(data.squares[i], x: x, y: y, flip: random.next() >> 63 == 1).scalars
            case .strong:
                values += data.preparation.augmentedCrop(data.squares[i], using: &random).scalars
            }
        }
        let labels = indices.map { data.labels[$0] }
        optimizer.learningRate = options.learningRate * Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(totalSteps, 1)))))
        let logits = model(Variable(Tensor(shape: [indices.count, 3, s, s], scalars: values)))
        let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, labels: labels)
        optimizer.zeroGrad()
        logits.backward(seed: gradient)
        optimizer.step()
        step += 1
        let right = zip(DomainClassifier.argmax(logits.value), labels).filter { $0 == $1 }.count
        (epochLoss, epochRight, epochImages, epochBatches) = (epochLoss + Double(loss), epochRight + right, epochImages + indices.count, epochBatches + 1)
        return TrainingStepRecord(step: step, values: [loss, Float(right) / Float(indices.count)], epoch: "\(epoch)",
                                  learningRate: optimizer.learningRate, images: indices.count)
    }

    /// The first weight, buffer or moment holding NaN or Inf, or nil.
    public func nonFiniteState() -> String? {
        model.firstNonFiniteState().map { "parameter \($0)" } ?? optimizer.firstNonFiniteMoment().map { "optimizer moments of parameter \($0)" }
    }

    /// Writes the checkpoint into the run folder.
    public func saveCheckpoint() throws {
        guard let runFolder else { return }
        let folder = Self.folder(runFolder)
        let state = DomainClassifierCheckpointState(step: step, trainingSeconds: trainingSeconds, classCount: classCount, imageCount: data.count,
                                                    options: options, classifierFile: folder.stampedFile("classifier-", step: step),
                                                    optimizerFile: folder.stampedFile("optimizer-", step: step), optimizerStep: optimizer.stepCount)
        try folder.write([(state.classifierFile, model.stateDict()),
                          (state.optimizerFile, TrainingCheckpointFolder.adamMoments([("classifier", optimizer)]))], state: state)
    }

    /// The checkpoint in the run folder.
    public func savedCheckpoint() -> (folder: String, step: Int)? {
        guard let runFolder, let state: DomainClassifierCheckpointState = try? Self.folder(runFolder).readState() else { return nil }
        return (runFolder, state.step)
    }

    /// Reloads the checkpoint (its weights, moments and step): the classifier has no batch to redraw, so a rollback
    /// retries the same steps.
    public func rollBack(from badStep: Int) throws -> String {
        guard let runFolder else { return "" }
        let folder = Self.folder(runFolder)
        try restore(try folder.readState(), from: folder)
        return ""
    }

    /// Nothing: a classifier has no sample grid.
    public func writeSamples() throws {}

    /// "classifier epoch 3/40: loss 0.5120, train accuracy 0.742" (over the batches of the epoch this process ran).
    public func progressLine(_ record: TrainingStepRecord, stepsPerSecond: Double) -> String {
        String(format: "classifier epoch %d/%d: loss %.4f, train accuracy %.3f", (record.step - 1) / stepsPerEpoch + 1, options.epochs,
               epochLoss / Double(max(epochBatches, 1)), Double(epochRight) / Double(max(epochImages, 1)))
    }

    /// Puts the network in evaluation mode.
    public func finish(_ outcome: TrainingOutcome) throws { finishTraining() }
}
