import Foundation
import GANPaths

/// The failures a ``CheckpointFolder`` reports. A family adopts it with an error enum that has cases of these names
/// (an enum case satisfies a static function), so the folder throws the family's own error and message.
public protocol CheckpointFolderError: Error {
    /// The folder has no `state.json`; `path` is the folder.
    static func missingState(path: String) -> Self
    /// `state.json` cannot be read or decoded, is of another format, or describes training that cannot be run.
    static func badState(path: String, detail: String) -> Self
    /// A weight file cannot be read.
    static func weights(path: String, detail: String) -> Self
    /// A weight or moments file does not fit the networks or the optimizers.
    static func mismatch(path: String, detail: String) -> Self
    /// The folder or one of its files cannot be written.
    static func cannotWrite(path: String, detail: String) -> Self
}

/// What a ``CheckpointFolder`` needs to know of a family's `state.json` record.
public protocol CheckpointFolderState: Codable {
    /// The format tag this code writes and reads (`gankit-pix2pix/1`...).
    static var currentFormat: String { get }
    /// The format tag of this record.
    var format: String { get }
    /// Steps completed.
    var step: Int { get }
    /// The weight files the record names, relative to the folder.
    var weightFiles: [String] { get }
    /// Why the record cannot be used (networks, options...), or nil. Checked after the format tag.
    var problem: String? { get }
}

/// A training checkpoint kept in one folder, as the pix2pix, inpainting and conditional-GAN trainers write it:
/// step-stamped safetensors files (`generator-00000120.safetensors`...) and `state.json` naming them (sorted keys,
/// written last and atomically), so a process killed at any moment leaves a whole checkpoint. Throws `Failure`.
public struct CheckpointFolder<Failure: CheckpointFolderError>: Sendable {
    /// The folder.
    public let directory: String
    /// Name prefixes of the step-stamped files: a save removes older files and killed saves' temporary files of these.
    public let prefixes: [String]

    /// The checkpoint folder at `directory`, whose step-stamped files start with one of `prefixes`.
    public init(_ directory: String, prefixes: [String] = ["generator-", "discriminator-", "optimizers-"]) {
        (self.directory, self.prefixes) = (directory, prefixes)
    }

    /// The path of `state.json`.
    public var statePath: String { directory + "/state.json" }

    /// The path of `file`, a name inside the folder.
    public func path(_ file: String) -> String { directory + "/" + file }

    /// `prefix`, the step in eight digits, `.safetensors`: `generator-00000120.safetensors`.
    public func stampedFile(_ prefix: String, step: Int) -> String { prefix + String(format: "%08d", step) + ".safetensors" }

    /// Writes a checkpoint: creates the folder, removes the temporary files of killed saves, writes `files` (name
    /// inside the folder, tensors; the format tag and step as metadata), then `state.json`, then removes older
    /// step-stamped files. A failed save removes the files it wrote unless the kept `state.json` names them.
    /// - Throws: `Failure.cannotWrite` naming the file and the system's reason, with "; the checkpoint of step N is
    ///   kept" when the folder holds one.
    public func write<State: CheckpointFolderState>(_ files: [(String, StateDict)], state: State) throws(Failure) {
        if let reason = Self.makeFolders(directory) { throw .cannotWrite(path: directory, detail: reason) }
        for name in entries() {   // temporary files of killed saves: .state.json.XXXXXX.tmp, .generator-00000120.safetensors.XXXXXX
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            if (name.hasPrefix(".state.json.") && name.hasSuffix(".tmp") && name.count == 22) || (parts.count == 4 && parts[0].isEmpty
                && parts[2] == "safetensors" && parts[3].count == 6 && prefixes.contains(where: { parts[1].hasPrefix($0) })) {
                try? FileManager.default.removeItem(atPath: path(name))
            }
        }
        let previous: State? = try? readState()
        var written: [String] = []
        func failure(_ path: String, _ reason: String) -> Failure {
            for file in written where !(previous?.weightFiles.contains(file) ?? false) { try? FileManager.default.removeItem(atPath: self.path(file)) }
            return .cannotWrite(path: path, detail: reason + (previous.map { "; the checkpoint of step \($0.step) is kept" } ?? ""))
        }
        for (file, tensors) in files {
            do { try SafeTensors.write(tensors, to: path(file), metadata: ["format": State.currentFormat, "step": "\(state.step)"]) } catch {
                throw failure(path(file), Self.reason(error))
            }
            written.append(file)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let bytes: [UInt8]
        do { bytes = Array(try encoder.encode(state)) } catch { throw failure(statePath, "\(error)") }
        do { try WeightFileIO.writeAtomically(bytes, to: statePath, temporarySuffix: ".tmp") } catch { throw failure(statePath, Self.reason(error)) }
        for name in entries() where !state.weightFiles.contains(name) && name.hasSuffix(".safetensors") && prefixes.contains(where: { name.hasPrefix($0) }) {
            try? FileManager.default.removeItem(atPath: path(name))
        }
    }

    /// Keeps the checkpoint now in the folder as a whole checkpoint folder of its own at `destination`: `state.json`,
    /// the weight files it names and those of `extraFiles` that exist. The files are hard links where the file system
    /// allows (a save never rewrites a file in place, so a link keeps the version linked), copies elsewhere. They go
    /// into a hidden folder beside `destination`, which is then renamed to it (replacing an older one of that name),
    /// so a killed process leaves the snapshot whole or absent; such a process's hidden folders go at the next call.
    /// - Throws: `Failure.missingState`/`.badState` when the folder holds no checkpoint, `Failure.cannotWrite` naming the path.
    public func keepSnapshot<State: CheckpointFolderState>(of _: State.Type, at destination: String, extraFiles: [String] = []) throws(Failure) {
        let state: State = try readState()
        let name = PathName(destination).lastComponent, enclosing = PathName(destination).parent
        let parent = enclosing.isEmpty ? "." : enclosing
        if let reason = Self.makeFolders(parent) { throw .cannotWrite(path: parent, detail: reason) }
        let partial = "\(parent)/.\(name).partial-\(getpid())"
        let files = FileManager.default
        // What killed processes left: snapshots half gathered or half removed.
        for entry in (try? files.contentsOfDirectory(atPath: parent)) ?? []
        where entry.hasPrefix(".") && (entry.contains(".partial-") || entry.contains(".removing-")) {
            try? files.removeItem(atPath: "\(parent)/\(entry)")
        }
        if let reason = Self.makeFolders(partial) { throw .cannotWrite(path: partial, detail: reason) }
        for file in ["state.json"] + state.weightFiles + extraFiles.filter({ files.fileExists(atPath: path($0)) }) {
            let target = partial + "/" + file
            if link(path(file), target) == 0 { continue }
            do { try files.copyItem(atPath: path(file), toPath: target) } catch {
                try? files.removeItem(atPath: partial)
                throw .cannotWrite(path: target, detail: "cannot copy \(path(file)): \(error.localizedDescription)")
            }
        }
        var doomed: String?
        if files.fileExists(atPath: destination) {   // an older snapshot of this step (a rollback reached it again)
            let hidden = "\(parent)/.\(name).removing-\(getpid())"
            guard rename(destination, hidden) == 0 else {
                let reason = WeightFileIO.errorString(errno)
                try? files.removeItem(atPath: partial)
                throw .cannotWrite(path: destination, detail: "cannot replace the older snapshot: \(reason)")
            }
            doomed = hidden
        }
        guard rename(partial, destination) == 0 else {
            let reason = WeightFileIO.errorString(errno)
            try? files.removeItem(atPath: partial)
            throw .cannotWrite(path: destination, detail: reason)
        }
        if let doomed { try? files.removeItem(atPath: doomed) }
    }

    /// Reads `state.json` and checks it as ``decodeState(bytes:path:)`` does.
    /// - Throws: `Failure.missingState` naming the folder when it has none, `Failure.badState` otherwise.
    public func readState<State: CheckpointFolderState>() throws(Failure) -> State {
        guard FileManager.default.fileExists(atPath: statePath) else { throw .missingState(path: directory) }
        let bytes: [UInt8]
        do { bytes = try WeightFileIO.readAll(statePath, limit: 1 << 30) } catch {
            // Worded as GANImageIO's FileAccess.readAll words it.
            let reason = switch error {
            case let .io(_, operation, code): operation == "open (not a regular file)" ? "not a regular file" : WeightFileIO.errorString(code)
            case let .limitExceeded(_, _, size, limit): "file is \(size) bytes, over the limit of \(limit)"
            default: "file shrank while reading"
            }
            throw .badState(path: statePath, detail: "\(statePath): cannot read: \(reason)")
        }
        return try Self.decodeState(bytes: bytes, path: statePath)
    }

    /// Decodes `state.json` bytes (`path` names them in errors) and checks the format tag and the record's `problem`.
    /// - Throws: `Failure.badState` when they are malformed, of another format, or describe unusable training.
    public static func decodeState<State: CheckpointFolderState>(bytes: [UInt8], path: String = "<memory>") throws(Failure) -> State {
        let state: State
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            state = try decoder.decode(State.self, from: Data(bytes))
        } catch { throw .badState(path: path, detail: "\(error)") }
        guard state.format == State.currentFormat else { throw .badState(path: path, detail: "format \(state.format), expected \(State.currentFormat)") }
        if let problem = state.problem { throw .badState(path: path, detail: problem) }
        return state
    }

    /// Loads the safetensors file at `path` into `module`.
    /// - Throws: `Failure.weights` when the file cannot be read, `Failure.mismatch` when it does not fit.
    public static func load(_ module: Module, from path: String) throws(Failure) {
        let tensors = try readTensors(path)
        do { try module.load(tensors) } catch { throw .mismatch(path: path, detail: "\(error)") }
    }

    /// The network `make` builds (from seed 0; its weights then replaced) loaded from the safetensors file at `path`,
    /// which is first checked to hold at least `lowerBound` weights, so that a truncated or hostile file is refused
    /// before anything is built from it.
    /// - Throws: `Failure.weights` for a file too small or unreadable, `Failure.mismatch` when it does not fit.
    public static func loadNetwork<Network: Module>(from path: String, holding lowerBound: Int,
                                                    _ make: (inout SeededGenerator) -> Network) throws(Failure) -> Network {
        do { try StateDict.checkFile(path, canHold: lowerBound) } catch { throw .weights(path: path, detail: error.description) }
        var random = SeededGenerator(seed: 0)
        let network = make(&random)
        try load(network, from: path)
        return network
    }

    /// Adam moments as one state dict: `<name>.m.<i>` and `<name>.v.<i>` for parameter `i` of each named optimizer.
    public static func adamMoments(_ optimizers: [(name: String, optimizer: Adam)]) -> StateDict {
        var moments = StateDict()
        for (name, optimizer) in optimizers {
            for (index, parameter) in optimizer.parameters.enumerated() {
                moments["\(name).m.\(index)"] = TensorData(shape: parameter.shape, values: optimizer.firstMoments[index])
                moments["\(name).v.\(index)"] = TensorData(shape: parameter.shape, values: optimizer.secondMoments[index])
            }
        }
        return moments
    }

    /// Restores the moments ``adamMoments(_:)`` packed into `file` (inside the folder), `steps[k]` being the step
    /// count of `optimizers[k]`.
    /// - Throws: `Failure.weights` when the file cannot be read, `Failure.badState` when `steps` does not have one
    ///   count per optimizer, `Failure.mismatch` when moments are missing or do not fit.
    public func restoreAdamMoments(_ optimizers: [(name: String, optimizer: Adam)], steps: [Int], from file: String) throws(Failure) {
        let path = self.path(file)
        let moments = try Self.readTensors(path)
        guard steps.count == optimizers.count else { throw .badState(path: statePath, detail: "optimizerSteps needs \(optimizers.count) entries") }
        for ((name, optimizer), step) in zip(optimizers, steps) {
            var first: [[Float]] = [], second: [[Float]] = []
            for index in optimizer.parameters.indices {
                guard let m = moments["\(name).m.\(index)"], let v = moments["\(name).v.\(index)"] else {
                    throw .mismatch(path: path, detail: "no moments for \(name) parameter \(index)")
                }
                first.append(m.values)
                second.append(v.values)
            }
            do { try optimizer.restore(AdamState(stepCount: step, firstMoments: first, secondMoments: second)) } catch {
                throw .mismatch(path: path, detail: "\(error)")
            }
        }
    }

    private static func readTensors(_ path: String) throws(Failure) -> StateDict {
        do { return try SafeTensors.read(contentsOf: path).tensors } catch { throw .weights(path: path, detail: "\(error)") }
    }

    private func entries() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }

    /// The system's reason for a failed write ("No space left on device"), else the whole message.
    private static func reason(_ error: WeightFileError) -> String {
        if case let .io(_, _, code) = error { WeightFileIO.errorString(code) } else { error.description }
    }

    /// `mkdir -p`; the reason when it fails, worded as GANImageIO's `FileAccess.makeFolders` words it.
    private static func makeFolders(_ folder: String) -> String? {
        var info = stat()
        if stat(folder, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "cannot create the folder: a file has this name" }
        let parent = PathName(folder).parent
        if !parent.isEmpty && parent != folder, let reason = makeFolders(parent) { return reason }
        return mkdir(folder, 0o777) != 0 && errno != EEXIST ? "cannot create the folder: \(WeightFileIO.errorString(errno))" : nil
    }
}
