import Foundation
import GANCore
import GANImageIO

/// `state.json` of an inpainting checkpoint folder: what is trained, how far, and which weight files hold it. Written
/// last and atomically, after the step-stamped weight files it names.
public struct InpaintingCheckpointState: Codable, Sendable, Equatable {
    /// The format tag, `gankit-inpaint-checkpoint/1`.
    public static let currentFormat = "gankit-inpaint-checkpoint/1"
    /// The format tag of this file.
    public var format = InpaintingCheckpointState.currentFormat
    /// GANInpainting's version that wrote it.
    public var version = GANInpainting.version
    /// Steps completed.
    public var step: Int
    /// Seconds spent training up to this checkpoint.
    public var trainingSeconds: Double
    /// The networks' shape.
    public var configuration: InpaintingConfiguration
    /// The training settings.
    public var options: InpaintingOptions
    /// Generator weights (safetensors, PyTorch-style names), relative to the folder.
    public var generatorFile: String
    /// Discriminator weights, relative to the folder.
    public var discriminatorFile: String
    /// Both optimizers' moments, relative to the folder.
    public var optimizerFile: String
    /// Adam step counts of G and D.
    public var optimizerSteps: [Int]
    /// The losses of the last step.
    public var lastLosses: InpaintingLosses?
    /// Where the training images came from (informational).
    public var dataset: String?
    /// Steps drawn again after a rollback, a step once per redraw. Absent when there are none.
    public var redrawnSteps: [Int]?
    /// The model whose generator weights started this run, if any (`InpaintingTrainer.initializedFrom`).
    public var initializedFrom: String?
}

extension InpaintingTrainer {
    static let filePrefixes = ["generator-", "discriminator-", "optimizers-"]

    /// Writes a checkpoint into `directory`: step-stamped safetensors files for G, D and both optimizers' moments,
    /// then `state.json` naming them (atomically, last), then removes older step-stamped files. An interrupted save
    /// leaves the previous checkpoint whole; a failed one also removes the files it wrote.
    /// - Throws: `InpaintingTrainingError.cannotWrite`.
    public func saveCheckpoint(to directory: String, dataset: String? = nil) throws(InpaintingTrainingError) {
        do { try FileAccess.makeFolders(directory) } catch { throw .cannotWrite(path: directory, detail: "\(error)") }
        let stamp = String(format: "%08d", step)
        var state = InpaintingCheckpointState(step: step, trainingSeconds: trainingSeconds, configuration: configuration,
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
        let metadata = ["format": InpaintingCheckpointState.currentFormat, "step": "\(step)"]
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

    /// Reads `state.json` of an inpainting checkpoint folder.
    /// - Throws: `InpaintingTrainingError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(InpaintingTrainingError) -> InpaintingCheckpointState {
        let path = "\(directory)/state.json"
        guard FileManager.default.fileExists(atPath: path) else { throw .missingState(path: directory) }
        let bytes: [UInt8]
        do { bytes = try FileAccess.readAll(path) } catch { throw .badState(path: path, detail: "\(error)") }
        return try readState(bytes: bytes, path: path)
    }

    /// Decodes and checks the bytes of a `state.json`; `path` names it in errors.
    /// - Throws: `InpaintingTrainingError.badState` when they are malformed, of another format, or describe unusable
    ///   networks or options.
    public static func readState(bytes: [UInt8], path: String = "<memory>") throws(InpaintingTrainingError) -> InpaintingCheckpointState {
        let state: InpaintingCheckpointState
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            state = try decoder.decode(InpaintingCheckpointState.self, from: Data(bytes))
        } catch { throw .badState(path: path, detail: "\(error)") }
        guard state.format == InpaintingCheckpointState.currentFormat else {
            throw .badState(path: path, detail: "format \(state.format), expected \(InpaintingCheckpointState.currentFormat)")
        }
        if let problem = state.configuration.problem ?? state.options.problem { throw .badState(path: path, detail: problem) }
        guard state.step >= 0, state.optimizerSteps.count == 2 else { throw .badState(path: path, detail: "step must be >= 0 and optimizerSteps hold 2 entries") }
        for file in [state.generatorFile, state.discriminatorFile, state.optimizerFile] where file.contains("/") || file.hasPrefix(".") {
            throw .badState(path: path, detail: "weight file \(file) must be a plain name inside the folder")
        }
        return state
    }

    /// Loads a safetensors file into `module`.
    static func load(_ module: Module, from path: String) throws(InpaintingTrainingError) {
        let dict: StateDict
        do { dict = try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
        do { try module.load(dict) } catch { throw .mismatch(path: path, detail: "\(error)") }
    }

    /// Rebuilds a trainer from a checkpoint folder (networks, moments, step, redraws), so that further steps continue
    /// exactly where the saved run stopped.
    /// - Throws: `InpaintingTrainingError` naming the file at fault.
    public static func resume(from directory: String) throws(InpaintingTrainingError) -> (trainer: InpaintingTrainer, state: InpaintingCheckpointState) {
        let state = try readState(from: directory)
        let generatorPath = "\(directory)/\(state.generatorFile)"
        do { try StateDict.checkFile(generatorPath, canHold: state.configuration.generatorParameterLowerBound) } catch {
            throw .weights(path: generatorPath, detail: error.description)
        }
        let trainer = InpaintingTrainer(configuration: state.configuration, options: state.options)
        try load(trainer.generator, from: generatorPath)
        try load(trainer.discriminator, from: "\(directory)/\(state.discriminatorFile)")
        let path = "\(directory)/\(state.optimizerFile)"
        let moments: StateDict
        do { moments = try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
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
