import Foundation
import GANCore
import GANTranslation
#if canImport(Glibc)
import Glibc
#endif

/// Why a junyanz generator checkpoint could not be imported as a translation model.
public enum TranslationImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A name given on the command line cannot be used (`what` says which, `reason` why).
    case invalidName(what: String, value: String, reason: String)
    /// The checkpoint could not be read (missing, not a checkpoint, corrupt, malicious...).
    case unreadable(file: String, reason: String)
    /// The checkpoint's tensors do not fit a `ResnetGenerator` of the given architecture.
    case doesNotFit(file: String, architecture: String, missing: [String], unexpected: [String], mismatched: [String], hint: String?)
    /// A model folder of that name already exists (pass `overwrite` / `--force` to replace it).
    case exists(folder: String)
    /// The model folder could not be written; nothing was left in the models folder.
    case cannotWrite(path: String, reason: String)

    /// A message naming the file and the problem; for a misfit, every missing, unexpected and misshapen tensor.
    public var description: String {
        switch self {
        case let .invalidName(what, value, reason): return "\(what) '\(value)' cannot be used: \(reason)"
        case let .unreadable(file, reason): return "cannot read checkpoint \(file): \(reason)"
        case let .doesNotFit(file, architecture, missing, unexpected, mismatched, hint):
            var lines = ["\(file) does not fit a ResnetGenerator (\(architecture)):"]
            if !missing.isEmpty { lines.append("  missing \(missing.count) tensor(s): \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { lines.append("  unexpected \(unexpected.count) tensor(s): \(unexpected.joined(separator: ", "))") }
            if !mismatched.isEmpty { lines.append("  shape mismatches: \(mismatched.joined(separator: "; "))") }
            if let hint { lines.append("  \(hint)") }
            return lines.joined(separator: "\n")
        case let .exists(folder): return "\(folder) already exists; pass --force to replace it"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}

/// The generator architecture of an imported checkpoint (junyanz `resnet_Nblocks`, 3 channels in and out).
public struct GeneratorArchitecture: Sendable, Equatable, CustomStringConvertible {
    /// Filters of the first convolution (`--ngf`).
    public var ngf: Int
    /// Residual blocks (9 for `resnet_9blocks`, 6 for `resnet_6blocks`).
    public var resnetBlocks: Int
    /// Normalisation layers (`--norm`).
    public var norm: NormKind

    /// Creates an architecture; the defaults are junyanz's CycleGAN defaults.
    public init(ngf: Int = 64, resnetBlocks: Int = 9, norm: NormKind = .instance) {
        (self.ngf, self.resnetBlocks, self.norm) = (ngf, resnetBlocks, norm)
    }

    /// "resnet_9blocks, ngf 64, instance norm".
    public var description: String { "resnet_\(resnetBlocks)blocks, ngf \(ngf), \(norm.rawValue) norm" }

    /// The network options of a generator with this architecture.
    public var networkOptions: NetworkOptions { NetworkOptions(ngf: ngf, norm: norm, resnetBlocks: resnetBlocks) }

    /// The architecture a junyanz ResnetGenerator state dict was saved from, read off its tensor names and shapes
    /// (`model.1.weight` is [ngf, 3, 7, 7]; one `model.N.conv_block` per residual block; batch norm has
    /// `model.2.weight`), or nil when the names are not those of a ResnetGenerator.
    public static func inferred(from stateDict: StateDict) -> GeneratorArchitecture? {
        guard let first = stateDict["model.1.weight"], first.shape.count == 4, first.shape[2] == 7, first.shape[0] > 0 else { return nil }
        var blocks = Set<Substring>()
        for name in stateDict.names where name.hasPrefix("model.") {
            let parts = name.split(separator: ".")
            if parts.count > 2, parts[2] == "conv_block" { blocks.insert(parts[1]) }
        }
        let norm: NormKind = stateDict["model.2.weight"] != nil ? .batch : .instance
        return GeneratorArchitecture(ngf: first.shape[0], resnetBlocks: blocks.count, norm: norm)
    }
}

/// What `gantool import` does: turns two junyanz CycleGAN generator checkpoints (`latest_net_G_A.pth`: A → B,
/// `latest_net_G_B.pth`: B → A; zip or legacy format, with or without DataParallel's `module.` prefix, or
/// safetensors) into a translation model folder (`manifest.json`, `G_A.safetensors`, `G_B.safetensors`).
///
/// A model folder always holds both directions: ``TranslationManifest`` has no one-direction form, and
/// `gantool translate --to` picks either generator from it.
public struct TranslationImport: Sendable {
    /// The A → B generator checkpoint (junyanz `latest_net_G_A.pth`).
    public var checkpointA: String
    /// The B → A generator checkpoint (junyanz `latest_net_G_B.pth`); nil imports one direction (the zoo's single
    /// `latest_net_G.pth` of horse2zebra, say): the model translates A into B only until `addReverse` gives it G_B.
    public var checkpointB: String?
    /// The model's name, which is also its folder's name.
    public var name: String
    /// Name of domain A (the input of G_A), e.g. "horses".
    public var domainA: String
    /// Name of domain B (the output of G_A), e.g. "zebras".
    public var domainB: String
    /// Filters of the generators' first convolution; nil reads it off checkpoint A
    /// (``GeneratorArchitecture/inferred(from:)``), else junyanz's default 64.
    public var ngf: Int?
    /// Residual blocks per generator; nil reads it off checkpoint A, else 9.
    public var resnetBlocks: Int?
    /// Normalisation; nil reads it off checkpoint A, else instance norm.
    public var norm: NormKind?
    /// Write the weights as F16 (half the size; values rounded to nearest even) instead of F32.
    public var halfPrecision = false
    /// Replace an existing model folder of the same name.
    public var overwrite = false

    /// Creates an import request; architecture settings left nil are read off checkpoint A.
    public init(checkpointA: String, checkpointB: String?, name: String, domainA: String, domainB: String,
                ngf: Int? = nil, resnetBlocks: Int? = nil, norm: NormKind? = nil, halfPrecision: Bool = false, overwrite: Bool = false) {
        (self.checkpointA, self.checkpointB, self.name, self.domainA, self.domainB) = (checkpointA, checkpointB, name, domainA, domainB)
        (self.ngf, self.resnetBlocks, self.norm, self.halfPrecision, self.overwrite) = (ngf, resnetBlocks, norm, halfPrecision, overwrite)
    }

    /// Creates an import request with the normalisation given by name ("instance", "batch" or "none", as junyanz's `--norm`).
    /// - Throws: ``TranslationImportError/invalidName(what:value:reason:)`` for an unknown norm name.
    public init(checkpointA: String, checkpointB: String?, name: String, domainA: String, domainB: String,
                ngf: Int?, resnetBlocks: Int?, normName: String?, halfPrecision: Bool, overwrite: Bool) throws(TranslationImportError) {
        var norm: NormKind?
        if let normName {
            guard let kind = NormKind(rawValue: normName.lowercased()) else {
                throw .invalidName(what: "norm", value: normName, reason: "use instance, batch or none")
            }
            norm = kind
        }
        self.init(checkpointA: checkpointA, checkpointB: checkpointB, name: name, domainA: domainA, domainB: domainB,
                  ngf: ngf, resnetBlocks: resnetBlocks, norm: norm, halfPrecision: halfPrecision, overwrite: overwrite)
    }

    /// The architecture used for checkpoint A's state dict: the given settings, the rest read off the checkpoint
    /// (else junyanz's defaults).
    public func architecture(for stateA: StateDict) -> GeneratorArchitecture {
        var arch = GeneratorArchitecture.inferred(from: stateA) ?? GeneratorArchitecture()
        if let ngf { arch.ngf = ngf }
        if let resnetBlocks { arch.resnetBlocks = resnetBlocks }
        if let norm { arch.norm = norm }
        return arch
    }

    /// Checks the names, loads both checkpoints strictly into `ResnetGenerator`s, and writes the model folder
    /// `modelsFolder/name` atomically (built in a hidden folder beside it, checked by loading it back, then renamed).
    /// - Returns: the imported model.
    /// - Throws: ``TranslationImportError`` naming the file and the problem.
    @discardableResult
    public func run(into modelsFolder: String) throws(TranslationImportError) -> TranslationModel {
        try Self.validate(name: name, domainA: domainA, domainB: domainB)
        let stateA = try Self.read(checkpointA)
        let stateB = try checkpointB.map { file throws(TranslationImportError) in try Self.read(file) }
        let arch = architecture(for: stateA)
        guard arch.ngf > 0, arch.resnetBlocks >= 0 else {
            throw .invalidName(what: "architecture", value: arch.description, reason: "ngf must be positive and blocks non-negative")
        }
        let generatorA = try Self.fit(stateA, file: checkpointA, architecture: arch)
        var generatorB: ResnetGenerator?
        if let stateB, let checkpointB { generatorB = try Self.fit(stateB, file: checkpointB, architecture: arch) }

        var options = CycleGANOptions()
        options.ngf = arch.ngf
        options.resnetBlocks = arch.resnetBlocks
        options.norm = arch.norm
        var manifest = TranslationManifest(
            name: name, domainA: domainA, domainB: domainB, options: options,
            notes: ["source": "gantool import of \(checkpointA) (G_A, \(domainA) to \(domainB))"
                        + (checkpointB.map { " and \($0) (G_B)" } ?? ", one direction"),
                    "precision": halfPrecision ? "F16" : "F32"])
        if generatorB == nil { manifest.generators = ["G_A"] }

        let files = FileManager.default
        let destination = modelsFolder + "/" + name
        do { try files.createDirectory(atPath: modelsFolder, withIntermediateDirectories: true) } catch {
            throw .cannotWrite(path: modelsFolder, reason: error.localizedDescription)
        }
        if files.fileExists(atPath: destination), !overwrite { throw .exists(folder: destination) }
        let temporary = modelsFolder + "/.\(name).import-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? files.removeItem(atPath: temporary) }
        do {
            try files.createDirectory(atPath: temporary, withIntermediateDirectories: false)
            let dtype: WeightDType = halfPrecision ? .f16 : .f32
            try SafeTensors.write(generatorA.stateDict(), to: temporary + "/G_A.safetensors", as: dtype, metadata: ["source": checkpointA])
            if let generatorB, let checkpointB {
                try SafeTensors.write(generatorB.stateDict(), to: temporary + "/G_B.safetensors", as: dtype, metadata: ["source": checkpointB])
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: temporary + "/manifest.json"), options: .atomic)
            // What was written must load back as a model.
            let check = try TranslationModel(folder: temporary)
            for generator in check.generatorNames { _ = try check.loadGenerator(generator) }
        } catch {
            throw .cannotWrite(path: destination, reason: "\(error)")
        }
        var replaced: String?
        if files.fileExists(atPath: destination) {
            let old = modelsFolder + "/.\(name).replaced-\(getpid())"
            guard rename(destination, old) == 0 else { throw .cannotWrite(path: destination, reason: String(cString: strerror(errno))) }
            replaced = old
        }
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            if let replaced { _ = rename(replaced, destination) }
            throw .cannotWrite(path: destination, reason: reason)
        }
        if let replaced { try? files.removeItem(atPath: replaced) }
        do { return try TranslationModel(folder: destination) } catch { throw .cannotWrite(path: destination, reason: "\(error)") }
    }

    /// Gives the one-direction model `name` in `modelsFolder` its other direction: `checkpoint` (junyanz's G of the
    /// reverse pair, zebra2horse for horse2zebra) becomes G_B, translating domain B back into A. The checkpoint must
    /// fit the model's architecture; G_B is written beside G_A and checked by loading it back before the manifest
    /// says the model translates both ways (an interrupted run leaves the one-direction model as it was).
    /// - Throws: ``TranslationImportError`` naming the file and the problem.
    @discardableResult
    public static func addReverse(checkpoint: String, name: String, in modelsFolder: String, halfPrecision: Bool = false)
        throws(TranslationImportError) -> TranslationModel {
        let folder = modelsFolder + "/" + name
        let model: TranslationModel
        do { model = try TranslationModel(folder: folder) } catch {
            throw .unreadable(file: folder, reason: "no model '\(name)' to add a direction to (\(error))")
        }
        guard !model.translatesBothWays else {
            throw .invalidName(what: "model", value: name, reason: "it already translates both ways (\(model.directionDescription))")
        }
        guard model.manifest.options.method == .cycleGAN else {
            throw .invalidName(what: "model", value: name, reason: "it is a one-way \(model.manifest.options.method.rawValue) model, not an imported generator")
        }
        let options = model.manifest.options
        let arch = GeneratorArchitecture(ngf: options.ngf, resnetBlocks: options.resnetBlocks, norm: options.norm)
        let generator = try fit(try read(checkpoint), file: checkpoint, architecture: arch)
        let temporary = folder + "/.G_B.safetensors.import-\(getpid())"
        defer { unlink(temporary) }
        do {
            try SafeTensors.write(generator.stateDict(), to: temporary, as: halfPrecision ? .f16 : .f32, metadata: ["source": checkpoint])
            guard rename(temporary, folder + "/G_B.safetensors") == 0 else {
                throw TranslationImportError.cannotWrite(path: folder + "/G_B.safetensors", reason: String(cString: strerror(errno)))
            }
            var manifest = model.manifest
            manifest.generators = nil
            manifest.notes?["source", default: ""] += "; G_B (\(manifest.domainB) to \(manifest.domainA)) from \(checkpoint)"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"), options: .atomic)
            let both = try TranslationModel(folder: folder)
            _ = try both.loadGenerator("G_B")
            return both
        } catch let error as TranslationImportError {
            throw error
        } catch {
            throw .cannotWrite(path: folder, reason: "\(error)")
        }
    }

    /// Refuses names that cannot be a folder name or a `--to` target.
    static func validate(name: String, domainA: String, domainB: String) throws(TranslationImportError) {
        if name.isEmpty || name.hasPrefix(".") || name.contains("/") {
            throw .invalidName(what: "model name", value: name, reason: "it must be a plain folder name (no '/', not starting with '.')")
        }
        for (what, value) in [("domain A name", domainA), ("domain B name", domainB)] where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw .invalidName(what: what, value: value, reason: "it is empty")
        }
        if domainA.caseInsensitiveCompare(domainB) == .orderedSame {
            throw .invalidName(what: "domain B name", value: domainB, reason: "it equals domain A's name, so --to could not tell the directions apart")
        }
    }

    /// Reads a checkpoint (PyTorch zip or legacy, or safetensors).
    static func read(_ file: String) throws(TranslationImportError) -> StateDict {
        do { return try StateDict(contentsOf: file) } catch { throw .unreadable(file: file, reason: error.description) }
    }

    /// Builds a `ResnetGenerator` of `architecture` and loads `stateDict` into it strictly (junyanz's stale
    /// InstanceNorm statistics are dropped, as `Module.load(_:strict:)` does).
    /// - Throws: ``TranslationImportError/doesNotFit(file:architecture:missing:unexpected:mismatched:hint:)`` listing
    ///   every missing, unexpected and misshapen tensor, with the architecture the checkpoint looks like.
    public static func fit(_ stateDict: StateDict, file: String, architecture: GeneratorArchitecture) throws(TranslationImportError) -> ResnetGenerator {
        var rng = SeededGenerator(seed: 0)
        let generator = ResnetGenerator(options: architecture.networkOptions, using: &rng)
        do throws(StateDictLoadError) {
            try generator.load(stateDict, strict: true)
            generator.eval()
            return generator
        } catch {
            let expected = generator.stateDict()
            let known = Set(expected.names)
            let missing = expected.names.filter { stateDict[$0] == nil && !$0.hasSuffix("num_batches_tracked") }
            let unexpected = stateDict.names.filter { name in
                guard !known.contains(name) else { return false }
                // Running statistics of a layer without parameters here: junyanz's stale InstanceNorm keys, accepted.
                let parts = name.split(separator: ".")
                guard let leaf = parts.last, ["running_mean", "running_var", "num_batches_tracked"].contains(leaf) else { return true }
                let parent = parts.dropLast().joined(separator: ".")
                return known.contains(parent + ".weight") || known.contains(parent + ".bias")
            }
            let mismatched = expected.compactMap { entry -> String? in
                guard let other = stateDict[entry.name], other.shape != entry.tensor.shape else { return nil }
                return "\(entry.name): checkpoint \(other.shape), model \(entry.tensor.shape)"
            }
            var hint: String?
            if let guess = GeneratorArchitecture.inferred(from: stateDict), guess != architecture {
                hint = "the checkpoint looks like \(guess) (--ngf \(guess.ngf) --blocks \(guess.resnetBlocks) --norm \(guess.norm.rawValue))"
            }
            if missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty { hint = error.description }
            throw .doesNotFit(file: file, architecture: architecture.description, missing: missing, unexpected: unexpected,
                              mismatched: mismatched, hint: hint)
        }
    }
}
