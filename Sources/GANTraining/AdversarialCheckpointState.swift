import GANCore

/// What a generator-against-discriminator family (pix2pix, inpainting) records in its checkpoint's `state.json`
/// beside the fields every such checkpoint has: its types, format tag and version, and its own checks.
public protocol AdversarialFamily {
    /// The networks' shape.
    associatedtype Configuration: Codable & Sendable & Equatable
    /// The training settings.
    associatedtype Options: Codable & Sendable & Equatable
    /// One step's losses.
    associatedtype Losses: Codable & Sendable & Equatable
    /// What the run maps, when the family has a choice (pix2pix's task); `Never` when it has none.
    associatedtype Task: Codable & Sendable & Equatable
    /// The format tag of its checkpoints (`gankit-pix2pix/1`).
    static var checkpointFormat: String { get }
    /// The family module's version.
    static var version: String { get }
    /// Why the networks or options cannot be trained, or nil.
    static func problem(configuration: Configuration, options: Options) -> String?
    /// The fewest parameters the generator of `configuration` holds (a weight file smaller than that is refused
    /// before the network is built).
    static func generatorParameterLowerBound(_ configuration: Configuration) -> Int
}

/// `state.json` of a pix2pix or inpainting checkpoint folder: what is trained, how far, and which weight files hold
/// it. Written last and atomically, after the step-stamped weight files it names; its JSON is the families' own of
/// before (the task key only where the family has one).
public struct AdversarialCheckpointState<Family: AdversarialFamily>: CheckpointFolderState, Sendable, Equatable {
    /// The family's format tag.
    public static var currentFormat: String { Family.checkpointFormat }
    /// The format tag of this file.
    public var format = Family.checkpointFormat
    /// The family module's version that wrote it.
    public var version = Family.version
    /// Steps completed.
    public var step: Int
    /// Seconds spent training up to this checkpoint.
    public var trainingSeconds: Double
    /// The model whose generator weights started this run, if any.
    public var initializedFrom: String?
    /// What the run maps (pix2pix's pairs, colorize or edges); nil for a family without a choice.
    public var task: Family.Task?
    /// The networks' shape.
    public var configuration: Family.Configuration
    /// The training settings.
    public var options: Family.Options
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments, relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of G and D.
    public var optimizerSteps: [Int]
    /// The losses of the last step.
    public var lastLosses: Family.Losses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback, a step once per redraw. Absent when there are none.
    public var redrawnSteps: [Int]?

    /// The record of a checkpoint at `step` holding `networks` in `files`.
    public init(step: Int, trainingSeconds: Double, task: Family.Task? = nil, configuration: Family.Configuration, options: Family.Options,
                files: AdversarialCheckpointFiles, networks: AdversarialNetworks, lastLosses: Family.Losses?, dataset: String?) {
        (self.step, self.trainingSeconds, self.task, self.configuration, self.options) = (step, trainingSeconds, task, configuration, options)
        (generatorFile, discriminatorFile, optimizerFile) = (files.generator, files.discriminator, files.optimizers)
        (optimizerSteps, self.lastLosses, self.dataset) = (networks.optimizerSteps, lastLosses, dataset)
    }

    /// The weight files it names.
    public var files: AdversarialCheckpointFiles {
        AdversarialCheckpointFiles(generator: generatorFile, discriminator: discriminatorFile, optimizers: optimizerFile)
    }

    /// The generator, discriminator and optimizer files.
    public var weightFiles: [String] { [generatorFile, discriminatorFile, optimizerFile] }

    /// Why the record cannot be used (networks, options, step counts, a weight file outside the folder), or nil.
    public var problem: String? {
        if let problem = Family.problem(configuration: configuration, options: options) { return problem }
        guard step >= 0, optimizerSteps.count == 2 else { return "step must be >= 0 and optimizerSteps hold 2 entries" }
        return weightFiles.first { $0.contains("/") || $0.hasPrefix(".") }.map { "weight file \($0) must be a plain name inside the folder" }
    }
}

extension AdversarialCheckpointState: Codable {}
