import Foundation
import GANCore
import GANImageIO

/// `state.json` of a pix2pix checkpoint folder: what is trained, how far, and which weight files hold it. Written last
/// and atomically, after the step-stamped weight files it names.
public struct Pix2PixCheckpointState: Codable, Sendable, Equatable {
    /// The format tag, `gankit-pix2pix/1`.
    public static let currentFormat = "gankit-pix2pix/1"
    /// The format tag of this file.
    public var format = Pix2PixCheckpointState.currentFormat
    /// GANConditional's version that wrote it.
    public var version = GANConditional.version
    /// Steps completed.
    public var step: Int
    /// Seconds spent training up to this checkpoint.
    public var trainingSeconds: Double
    /// The model whose generator weights started this run, if any (`Pix2PixTrainer.initializedFrom`).
    public var initializedFrom: String?
    /// The pairs the model learns.
    public var task: Pix2PixTask
    /// The networks' shape.
    public var configuration: Pix2PixConfiguration
    /// The training settings.
    public var options: Pix2PixOptions
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments, relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of G and D.
    public var optimizerSteps: [Int]
    /// The losses of the last step.
    public var lastLosses: Pix2PixLosses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback, a step once per redraw. Absent when there are none.
    public var redrawnSteps: [Int]?
}

extension Pix2PixTrainer {
    static let filePrefixes = ["generator-", "discriminator-", "optimizers-"]

    /// Writes a checkpoint into `directory`: step-stamped safetensors files for G, D and both optimizers' moments,
    /// then `state.json` naming them (atomically, last), then removes older step-stamped files. An interrupted save
    /// leaves the previous checkpoint whole; a failed one also removes the files it wrote.
    /// - Throws: `CheckpointError`.
    public func saveCheckpoint(to directory: String, task: Pix2PixTask, dataset: String? = nil) throws(CheckpointError) {
        do { try FileAccess.makeFolders(directory) } catch { throw .cannotWrite(path: directory, detail: "\(error)") }
        let stamp = String(format: "%08d", step)
        var state = Pix2PixCheckpointState(step: step, trainingSeconds: trainingSeconds, task: task, configuration: configuration,
                                           options: options, generatorFile: "generator-\(stamp).safetensors",
                                           discriminatorFile: "discriminator-\(stamp).safetensors",
                                           optimizerFile: "optimizers-\(stamp).safetensors",
                                           optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                                           lastLosses: lastLosses, dataset: dataset)
        let redrawn = redrawnSteps.keys.sorted().flatMap { Array(repeating: $0, count: redrawnSteps[$0]!) }
        state.redrawnSteps = redrawn.isEmpty ? nil : redrawn
        state.initializedFrom = initializedFrom
        var moments = StateDict()
        for (name, optimizer) in [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] {
            let adam = optimizer.state
            for (index, parameter) in optimizer.parameters.enumerated() {
                moments["\(name).m.\(index)"] = TensorData(shape: parameter.shape, values: adam.firstMoments[index])
                moments["\(name).v.\(index)"] = TensorData(shape: parameter.shape, values: adam.secondMoments[index])
            }
        }
        Self.removeStaleTemporaryFiles(in: directory)
        let named = (try? Self.readState(from: directory)).map { Set([$0.generatorFile, $0.discriminatorFile, $0.optimizerFile]) } ?? []
        var written: [String] = []
        func removeWritten() { for file in written where !named.contains(file) { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") } }
        let metadata = ["format": Pix2PixCheckpointState.currentFormat, "step": "\(step)"]
        for (file, dict) in [(state.generatorFile, generator.stateDict()), (state.discriminatorFile, discriminator.stateDict()),
                             (state.optimizerFile, moments)] {
            let path = "\(directory)/\(file)"
            do { try SafeTensors.write(dict, to: path, metadata: metadata) } catch {
                removeWritten()
                throw .cannotWrite(path: path, detail: "\(error)")
            }
            written.append(file)
        }
        let statePath = "\(directory)/state.json"
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try FileAccess.writeAtomically(Array(encoder.encode(state)), to: statePath)
        } catch {
            removeWritten()
            throw .cannotWrite(path: statePath, detail: "\(error)")
        }
        let keep = Set([state.generatorFile, state.discriminatorFile, state.optimizerFile])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where !keep.contains(name) && name.hasSuffix(".safetensors") && Self.filePrefixes.contains(where: { name.hasPrefix($0) }) {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Removes the temporary files of saves killed midway.
    static func removeStaleTemporaryFiles(in directory: String) {
        FileAccess.removeStaleTemporaryFiles(for: "\(directory)/state.json")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0].isEmpty, parts[2] == "safetensors", parts[3].count == 6,
                  filePrefixes.contains(where: { parts[1].hasPrefix($0) }) else { continue }
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Reads `state.json` of a pix2pix checkpoint folder.
    /// - Throws: `CheckpointError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(CheckpointError) -> Pix2PixCheckpointState {
        let path = "\(directory)/state.json"
        guard FileManager.default.fileExists(atPath: path) else { throw .missingState(path: directory) }
        let state: Pix2PixCheckpointState
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            state = try decoder.decode(Pix2PixCheckpointState.self, from: Data(FileAccess.readAll(path)))
        } catch { throw .badState(path: path, detail: "\(error)") }
        guard state.format == Pix2PixCheckpointState.currentFormat else {
            throw .badState(path: path, detail: "format \(state.format), expected \(Pix2PixCheckpointState.currentFormat)")
        }
        if let problem = state.configuration.problem ?? state.options.problem { throw .badState(path: path, detail: problem) }
        return state
    }

    /// Loads a safetensors file into `module`.
    static func load(_ module: Module, from path: String) throws(CheckpointError) {
        let dict: StateDict
        do { dict = try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
        do { try module.load(dict) } catch { throw .mismatch(path: path, detail: "\(error)") }
    }

    /// Rebuilds a trainer from a checkpoint folder (networks, moments, step, redraws), so that further steps continue
    /// exactly where the saved run stopped.
    /// - Throws: `CheckpointError` naming the file at fault.
    public static func resume(from directory: String) throws(CheckpointError) -> (trainer: Pix2PixTrainer, state: Pix2PixCheckpointState) {
        let state = try readState(from: directory)
        let trainer = Pix2PixTrainer(configuration: state.configuration, options: state.options)
        try load(trainer.generator, from: "\(directory)/\(state.generatorFile)")
        try load(trainer.discriminator, from: "\(directory)/\(state.discriminatorFile)")
        let path = "\(directory)/\(state.optimizerFile)"
        let moments: StateDict
        do { moments = try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
        guard state.optimizerSteps.count == 2 else { throw .badState(path: "\(directory)/state.json", detail: "optimizerSteps needs 2 entries") }
        for (k, (name, optimizer)) in [("generator", trainer.generatorOptimizer), ("discriminator", trainer.discriminatorOptimizer)].enumerated() {
            var first: [[Float]] = [], second: [[Float]] = []
            for index in optimizer.parameters.indices {
                guard let m = moments["\(name).m.\(index)"], let v = moments["\(name).v.\(index)"] else {
                    throw .mismatch(path: path, detail: "no moments for \(name) parameter \(index)")
                }
                first.append(m.values)
                second.append(v.values)
            }
            do { try optimizer.restore(AdamState(stepCount: state.optimizerSteps[k], firstMoments: first, secondMoments: second)) } catch {
                throw .mismatch(path: path, detail: "\(error)")
            }
        }
        trainer.step = state.step
        trainer.trainingSeconds = state.trainingSeconds
        trainer.initializedFrom = state.initializedFrom
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return (trainer, state)
    }
}
