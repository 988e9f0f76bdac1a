import Foundation
import GANCore
import GANImageIO

extension ConditionalGANTrainer {
    /// Writes a checkpoint into `directory` (created if needed): step-stamped safetensors files for
    /// G, D and both optimizers' moments, then `state.json` naming them (atomically, last), then
    /// removes older step-stamped files. An interrupted save leaves the previous checkpoint whole; a
    /// failed one (a full disk, a read-only folder) also removes the files it wrote.
    /// - Throws: `CheckpointError`.
    public func saveCheckpoint(to directory: String, dataset: String? = nil) throws(CheckpointError) {
        do { try FileAccess.makeFolders(directory) } catch {
            if case let .cannotWrite(_, reason) = error { throw .cannotWrite(path: directory, detail: reason) }
            throw .cannotWrite(path: directory, detail: "\(error)")
        }
        let stamp = String(format: "%08d", step)
        var state = CheckpointState(step: step, configuration: configuration, options: options,
                                    generatorFile: "generator-\(stamp).safetensors",
                                    discriminatorFile: "discriminator-\(stamp).safetensors",
                                    optimizerFile: "optimizers-\(stamp).safetensors",
                                    optimizerSteps: [generatorOptimizer.stepCount, discriminatorOptimizer.stepCount],
                                    lastLosses: lastLosses, dataset: dataset)
        state.trainingSeconds = trainingSeconds.rounded()
        state.averageGeneratorFile = averageGenerator.map { _ in "generator-average-\(stamp).safetensors" }
        let redrawn = redrawnSteps.keys.sorted().flatMap { Array(repeating: $0, count: redrawnSteps[$0]!) }
        state.redrawnSteps = redrawn.isEmpty ? nil : redrawn
        var moments = StateDict()
        for (name, optimizer) in [("generator", generatorOptimizer), ("discriminator", discriminatorOptimizer)] {
            let adam = optimizer.state
            for (index, parameter) in optimizer.parameters.enumerated() {
                moments["\(name).m.\(index)"] = TensorData(shape: parameter.shape, values: adam.firstMoments[index])
                moments["\(name).v.\(index)"] = TensorData(shape: parameter.shape, values: adam.secondMoments[index])
            }
        }
        Self.removeStaleTemporaryFiles(in: directory)
        // Files this save writes that the current state.json does not name: removed again if the save fails.
        let named = (try? Self.readState(from: directory)).map { Set([$0.generatorFile, $0.discriminatorFile, $0.optimizerFile] + [$0.averageGeneratorFile].compactMap { $0 }) } ?? []
        var written: [String] = []
        func removeWritten() { for file in written where !named.contains(file) { try? FileManager.default.removeItem(atPath: "\(directory)/\(file)") } }
        let metadata = ["format": CheckpointState.currentFormat, "step": "\(step)"]
        var files = [(state.generatorFile, generator.stateDict()), (state.discriminatorFile, discriminator.stateDict()),
                     (state.optimizerFile, moments)]
        if let file = state.averageGeneratorFile, let average = averageGenerator { files.append((file, average.stateDict())) }
        for (file, dict) in files {
            let path = "\(directory)/\(file)"
            do { try SafeTensors.write(dict, to: path, metadata: metadata) } catch {
                removeWritten()
                let reason = if case let .io(_, _, code) = error { String(cString: strerror(code)) } else { error.description }
                throw .cannotWrite(path: path, detail: reason + Self.kept(directory))
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
            let reason = if case let ImageIOError.cannotWrite(_, reason) = error { reason } else { "\(error)" }
            throw .cannotWrite(path: statePath, detail: reason + Self.kept(directory))
        }
        let keep = Set([state.generatorFile, state.discriminatorFile, state.optimizerFile] + [state.averageGeneratorFile].compactMap { $0 })
        let stale = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { name in
            !keep.contains(name) && name.hasSuffix(".safetensors")
                && ["generator-", "discriminator-", "optimizers-"].contains { name.hasPrefix($0) }
        }
        for name in stale { try? FileManager.default.removeItem(atPath: "\(directory)/\(name)") }
    }

    /// Removes what saves killed midway left in `directory`: the temporary files of the weight files
    /// (`.generator-….safetensors.XXXXXX`...), of `state.json` and of `samples.png`.
    static func removeStaleTemporaryFiles(in directory: String) {
        FileAccess.removeStaleTemporaryFiles(for: "\(directory)/state.json")
        FileAccess.removeStaleTemporaryFiles(for: "\(directory)/samples.png")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            // "", "generator-00000010", "safetensors", "XXXXXX"
            guard parts.count == 4, parts[0].isEmpty, parts[2] == "safetensors", parts[3].count == 6,
                  ["generator-", "discriminator-", "optimizers-"].contains(where: { parts[1].hasPrefix($0) }) else { continue }
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// "; the checkpoint of step N is kept" for error messages, or "" when the folder holds none.
    static func kept(_ directory: String) -> String {
        (try? readState(from: directory)).map { "; the checkpoint of step \($0.step) is kept" } ?? ""
    }

    /// Reads `state.json` of a checkpoint folder.
    /// - Throws: `CheckpointError.missingState` or `.badState`.
    public static func readState(from directory: String) throws(CheckpointError) -> CheckpointState {
        let path = "\(directory)/state.json"
        guard FileManager.default.fileExists(atPath: path) else { throw .missingState(path: directory) }
        let bytes: [UInt8]
        do { bytes = try FileAccess.readAll(path) } catch { throw .badState(path: path, detail: "\(error)") }
        return try readState(bytes: bytes, path: path)
    }

    /// Decodes and checks the bytes of a `state.json`; `path` names it in errors.
    /// - Throws: `CheckpointError.badState` when they are malformed, of another format, or describe unusable networks.
    public static func readState(bytes: [UInt8], path: String = "<memory>") throws(CheckpointError) -> CheckpointState {
        let state: CheckpointState
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            state = try decoder.decode(CheckpointState.self, from: Data(bytes))
        } catch { throw .badState(path: path, detail: "\(error)") }
        guard state.format == CheckpointState.currentFormat else {
            throw .badState(path: path, detail: "format \(state.format), expected \(CheckpointState.currentFormat)")
        }
        if let problem = state.configuration.problem { throw .badState(path: path, detail: problem) }
        return state
    }

    /// Loads a safetensors file into `module`.
    static func load(_ module: Module, from path: String) throws(CheckpointError) {
        let dict: StateDict
        do { dict = try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
        do { try module.load(dict) } catch { throw .mismatch(path: path, detail: "\(error)") }
    }

    /// Rebuilds a trainer from a checkpoint folder: networks, optimizer moments and the step count,
    /// so that further `trainStep` calls continue exactly where the saved run stopped.
    /// - Throws: `CheckpointError` naming the file at fault.
    public static func resume(from directory: String) throws(CheckpointError) -> ConditionalGANTrainer {
        let state = try readState(from: directory)
        let trainer = ConditionalGANTrainer(configuration: state.configuration, options: state.options)
        try load(trainer.generator, from: "\(directory)/\(state.generatorFile)")
        try load(trainer.discriminator, from: "\(directory)/\(state.discriminatorFile)")
        if let file = state.averageGeneratorFile, let average = trainer.averageGenerator {
            try load(average, from: "\(directory)/\(file)")
        } else if let average = trainer.averageGenerator {
            try load(average, from: "\(directory)/\(state.generatorFile)")   // an average added to a run without one starts from G
        }
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
        trainer.trainingSeconds = state.trainingSeconds ?? 0
        trainer.lastLosses = state.lastLosses
        for redrawn in state.redrawnSteps ?? [] { trainer.redraw(step: redrawn) }
        return trainer
    }

    /// Loads only the generator of a checkpoint folder, for sampling: its moving average when the folder
    /// holds one (unless `average` is false), else the generator's last weights. A model folder
    /// (`LabelGANModel`, `manifest.json`) loads its one generator.
    /// - Throws: `CheckpointError`.
    public static func loadGenerator(from directory: String, average: Bool = true) throws(CheckpointError) -> ConditionalGenerator {
        if !FileManager.default.fileExists(atPath: "\(directory)/state.json") && LabelGANModel.isModelFolder(directory) {
            return try LabelGANModel.loadGenerator(folder: directory)
        }
        let state = try readState(from: directory)
        let path = "\(directory)/\(average ? state.averageGeneratorFile ?? state.generatorFile : state.generatorFile)"
        do { try StateDict.checkFile(path, canHold: state.configuration.generatorParameterLowerBound) } catch {
            throw .weights(path: path, detail: error.description)
        }
        var random = SeededGenerator(seed: 0)
        let generator = ConditionalGenerator(configuration: state.configuration, using: &random)
        try load(generator, from: path)
        return generator
    }
}
