import Foundation
import GANCore
import GANImageIO

/// Everything besides tensors that a checkpoint needs to continue training exactly (`state.json`).
public struct CycleGANTrainingState: Sendable, Equatable, Codable {
    /// Format version of this file.
    public var version = 1
    /// Optimisation steps completed.
    public var step: Int
    /// The epoch in progress (from 0).
    public var epoch: Int
    /// The next item of that epoch's order.
    public var index: Int
    /// Seed of the data order and augmentation.
    public var dataSeed: UInt64
    /// The model's settings.
    public var options: CycleGANOptions
    /// Generator states of the fake-B pool (D_A) and the fake-A pool (D_B).
    public var poolGeneratorStates: [UInt64]
    /// Steps taken by optimizer_G and optimizer_D (Adam's t).
    public var optimizerSteps: [Int]
    /// Seconds of training so far, over all runs.
    public var trainingSeconds: Double
    /// Items of the data order that training passes over: the batches that produced NaN or Inf and were rolled
    /// back (`NonFinitePolicy.rollback`). Absent in checkpoints without any.
    public var skippedItems: [DataPosition]?
    /// State of a CUT model's sampler (patch locations and flips); absent for CycleGAN.
    public var samplerState: UInt64?

    /// Creates a state record.
    public init(step: Int, epoch: Int, index: Int, dataSeed: UInt64, options: CycleGANOptions,
                poolGeneratorStates: [UInt64], optimizerSteps: [Int], trainingSeconds: Double, skippedItems: [DataPosition]? = nil) {
        (self.step, self.epoch, self.index, self.dataSeed, self.options) = (step, epoch, index, dataSeed, options)
        (self.poolGeneratorStates, self.optimizerSteps, self.trainingSeconds) = (poolGeneratorStates, optimizerSteps, trainingSeconds)
        self.skippedItems = skippedItems
    }
}

/// An item of the data order: `index` in the order of `epoch`.
public struct DataPosition: Sendable, Hashable, Codable, Comparable {
    /// The epoch (from 0).
    public var epoch: Int
    /// The position in that epoch's order (from 0).
    public var index: Int
    /// Creates a position.
    public init(epoch: Int, index: Int) { (self.epoch, self.index) = (epoch, index) }
    /// Epoch first, then index.
    public static func < (a: Self, b: Self) -> Bool { (a.epoch, a.index) < (b.epoch, b.index) }
}

/// Checkpoints of a training run, in `<run>/checkpoints/`:
///
///     step-000120/  G_A.safetensors G_B.safetensors D_A.safetensors D_B.safetensors   (PyTorch names)
///                   optimizer_G.safetensors optimizer_D.safetensors   (`<net>.<param>.exp_avg` / `.exp_avg_sq`)
///                   pools.safetensors   (`fake_B_pool.<k>`, `fake_A_pool.<k>`)
///                   state.json
///     latest.json   {"folder": "step-000120"}
///
/// A checkpoint is written into a temporary folder, renamed into place, and only then named by `latest.json`
/// (itself replaced atomically), so a process killed at any moment leaves the previous checkpoint valid. Every
/// translation model writes and reads this layout through `TranslationTrainable.saveCheckpoint` / `loadCheckpoint`
/// (CUT: G_A, D_A, F; U-GAT-IT: six networks; neither has pools).
public enum CycleGANCheckpoint {
    /// Writes one checkpoint folder holding `files` (each a safetensors file made when it is written) and
    /// `state.json`, atomically as above, then names it in `latest.json` and removes older ones. On failure (a full
    /// disk, a read-only folder) the partial folder is removed, `latest.json` still names the previous checkpoint,
    /// and the error names the file and the problem.
    static func write(files weightFiles: [(name: String, contents: () throws(WeightFileError) -> StateDict)],
                      state: CycleGANTrainingState, runFolder: String) throws(TranslationCheckpointError) {
        let root = runFolder + "/checkpoints"
        let name = String(format: "step-%09d", state.step)
        let temporary = root + "/.\(name).partial-\(getpid())"
        let final = root + "/" + name
        let files = FileManager.default
        do {
            try FileAccess.makeFolders(root)
            try? files.removeItem(atPath: temporary)
            try FileAccess.makeFolders(temporary)
        } catch {
            try? files.removeItem(atPath: temporary)
            throw .cannotWrite(path: root, reason: error.reason + previous(root))
        }
        // The file being written when a write fails, named as it would be in the finished checkpoint.
        var current = ""
        do throws(WeightFileError) {
            for file in weightFiles {
                current = file.name
                try SafeTensors.write(file.contents(), to: temporary + "/" + current)
            }
        } catch {
            try? files.removeItem(atPath: temporary)
            let reason = if case let .io(_, _, code) = error { String(cString: strerror(code)) } else { error.description }
            throw .cannotWrite(path: final + "/" + current, reason: reason + previous(root))
        }
        do { try writeJSON(state, to: temporary + "/state.json") } catch {
            try? files.removeItem(atPath: temporary)
            throw .cannotWrite(path: final + "/state.json", reason: error.reason + previous(root))
        }
        if files.fileExists(atPath: final + "/state.json") {
            // Already saved at this step (a stop right after a periodic checkpoint): the state is the same, so the
            // complete folder stays and is never removed while latest.json may name it.
            try? files.removeItem(atPath: temporary)
        } else {
            try? files.removeItem(atPath: final)
            guard rename(temporary, final) == 0 else {
                let reason = String(cString: strerror(errno))
                try? files.removeItem(atPath: temporary)
                throw .cannotWrite(path: final, reason: reason + previous(root))
            }
        }
        FileAccess.removeStaleTemporaryFiles(for: root + "/latest.json")
        do { try writeJSON(["folder": name], to: root + "/latest.json") } catch {
            // The previous checkpoint stays the latest; the new folder goes unless latest.json already names it.
            if (try? latestState(runFolder: runFolder))?.folder != final { try? files.removeItem(atPath: final) }
            throw .cannotWrite(path: root + "/latest.json", reason: error.reason + previous(root))
        }
        // Older checkpoints, and partial folders left by killed processes, go only once latest.json names the new one.
        // An old checkpoint is first renamed to a hidden name (atomic), so that a process killed while deleting it
        // leaves a leftover that resume and verification ignore, never a step folder with some files missing.
        for old in (try? files.contentsOfDirectory(atPath: root)) ?? [] where (old.hasPrefix("step-") || old.hasPrefix(".step-")) && old != name {
            var doomed = root + "/" + old
            if old.hasPrefix("step-") {
                let hidden = root + "/.\(old).removing-\(getpid())"
                if rename(doomed, hidden) == 0 { doomed = hidden }
            }
            try? files.removeItem(atPath: doomed)
        }
    }

    /// "; the latest checkpoint is still step-…" for error messages, or "" when there is none.
    private static func previous(_ root: String) -> String {
        guard let data = try? FileAccess.readAll(root + "/latest.json"),
              let pointer = try? JSONDecoder().decode([String: String].self, from: Data(data)), let folder = pointer["folder"] else { return "" }
        return "; the latest checkpoint is still \(root)/\(folder)"
    }

    /// Reads the latest checkpoint's state record.
    public static func latestState(runFolder: String) throws(TranslationCheckpointError) -> (state: CycleGANTrainingState, folder: String) {
        let root = runFolder + "/checkpoints"
        guard FileManager.default.fileExists(atPath: root + "/latest.json") else { throw .noCheckpoint(folder: runFolder) }
        let pointer: [String: String] = try readJSON(root + "/latest.json")
        guard let name = pointer["folder"] else { throw .unreadable(path: root + "/latest.json", reason: "no folder named") }
        let folder = root + "/" + name
        return (try readJSON(folder + "/state.json"), folder)
    }

    /// Restores a CycleGAN model's fake pools and their random streams from a checkpoint folder; a compact copy
    /// (`CompactRunState`) holds no pools: they start empty, their random streams kept.
    static func restorePools(_ model: CycleGANModel, state: CycleGANTrainingState, folder: String) throws(TranslationCheckpointError) {
        let poolsPath = folder + "/pools.safetensors"
        let pools = FileManager.default.fileExists(atPath: poolsPath) ? try readTensors(poolsPath) : StateDict()
        func images(_ prefix: String) -> [Tensor] {
            var out: [Tensor] = []
            while let t = pools["\(prefix).\(out.count)"] { out.append(Tensor(shape: t.shape, scalars: t.values)) }
            return out
        }
        guard state.poolGeneratorStates.count == 2 else { throw .mismatch("state.json needs two pool generator states") }
        model.fakeBPool = ImagePool(capacity: state.options.poolSize, images: images("fake_B_pool"),
                                    generator: CheckpointableGenerator(seed: state.poolGeneratorStates[0]))
        model.fakeAPool = ImagePool(capacity: state.options.poolSize, images: images("fake_A_pool"),
                                    generator: CheckpointableGenerator(seed: state.poolGeneratorStates[1]))
    }

    /// The optimizer's moments named `<net>.<parameter>.exp_avg` and `.exp_avg_sq` (PyTorch's state keys).
    static func momentDict(_ optimizer: Adam, networks: [(name: String, module: Module)]) throws(WeightFileError) -> StateDict {
        var dict = StateDict()
        for (k, (name, parameter)) in parameterNames(networks).enumerated() {
            precondition(optimizer.parameters[k] === parameter, "optimizer parameters out of order")
            dict[name + ".exp_avg"] = TensorData(shape: parameter.shape, values: optimizer.firstMoments[k])
            dict[name + ".exp_avg_sq"] = TensorData(shape: parameter.shape, values: optimizer.secondMoments[k])
        }
        return dict
    }

    static func restoreMoments(_ optimizer: Adam, networks: [(name: String, module: Module)], step: Int,
                                       path: String) throws(TranslationCheckpointError) {
        let dict = try readTensors(path)
        var first: [[Float]] = [], second: [[Float]] = []
        for (name, _) in parameterNames(networks) {
            guard let m = dict[name + ".exp_avg"], let v = dict[name + ".exp_avg_sq"] else {
                throw .unreadable(path: path, reason: "no moments for \(name)")
            }
            first.append(m.values); second.append(v.values)
        }
        do { try optimizer.restore(AdamState(stepCount: step, firstMoments: first, secondMoments: second)) } catch {
            throw .optimizerMismatch("\(path): \(error)")
        }
    }

    private static func parameterNames(_ networks: [(name: String, module: Module)]) -> [(String, Variable)] {
        networks.flatMap { net in net.module.namedParameters().map { (net.name + "." + $0.name, $0.parameter) } }
    }

    static func poolDict(_ model: CycleGANModel) -> StateDict {
        var dict = StateDict()
        for (prefix, pool) in [("fake_B_pool", model.fakeBPool), ("fake_A_pool", model.fakeAPool)] {
            for (k, image) in pool.images.enumerated() { dict["\(prefix).\(k)"] = TensorData(shape: image.shape, values: image.scalars) }
        }
        return dict
    }

    private static func write(_ body: () throws(WeightFileError) -> Void, path: String) throws(TranslationCheckpointError) {
        do { try body() } catch { throw .cannotWrite(path: path, reason: error.description) }
    }

    static func readTensors(_ path: String) throws(TranslationCheckpointError) -> StateDict {
        do { return try SafeTensors.read(contentsOf: path).tensors } catch { throw .unreadable(path: path, reason: error.description) }
    }

    /// Encodes `value` as pretty JSON and writes it atomically.
    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws(TranslationCheckpointError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes: [UInt8]
        do { bytes = Array(try encoder.encode(value)) + [10] } catch { throw .cannotWrite(path: path, reason: "\(error)") }
        do { try FileAccess.writeAtomically(bytes, to: path) } catch {
            if case let .cannotWrite(_, reason) = error { throw .cannotWrite(path: path, reason: reason) }
            throw .cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// Reads and decodes a JSON file.
    static func readJSON<T: Decodable>(_ path: String) throws(TranslationCheckpointError) -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(FileAccess.readAll(path))) } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
    }
}

extension TranslationCheckpointError {
    /// The problem without the path (for messages that name the path themselves).
    var reason: String {
        switch self {
        case let .cannotWrite(_, reason), let .unreadable(_, reason): reason
        default: description
        }
    }
}

extension ImageIOError {
    /// The problem without the path.
    var reason: String {
        if case let .cannotWrite(_, reason) = self { return reason }
        return description
    }
}
