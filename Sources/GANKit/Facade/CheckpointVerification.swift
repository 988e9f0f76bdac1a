import Foundation
import GANConditional
import GANCore
import GANInpainting
import GANTranslation

/// What `gantool checkpoint verify` found in a training folder: every checkpoint on disk loaded in full
/// (weights, optimizer moments, pools, state) and checked for NaN and Inf, and the leftovers of interrupted
/// saves, which `--resume` ignores and the next checkpoint removes.
public struct CheckpointReport: Sendable, Codable, Equatable {
    /// The trainer that wrote the folder.
    public enum Kind: String, Sendable, Codable {
        /// `gantool train cyclegan`: `<run>/checkpoints/step-…/` and `latest.json`.
        case cyclegan
        /// `gantool train cgan`: `state.json` and the step-stamped weight files it names.
        case cgan
        /// `gantool train pix2pix`: the same layout.
        case pix2pix
        /// `gantool train inpaint`: the same layout.
        case inpaint
        /// `gantool eval train-domain-classifier --run`: the judge's `state.json`, classifier and optimizer files.
        case judge = "domain-classifier"

        /// The kind of a checkpoint folder, from its `state.json`'s format tag; nil when it names none of these.
        static func of(stateJSON text: String) -> Kind? {
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let format = object?["format"] as? String ?? ""
            if format.hasPrefix("gankit-pix2pix/") { return .pix2pix }
            if format.hasPrefix("gankit-inpaint-checkpoint/") { return .inpaint }
            if format.hasPrefix("gankit-domain-classifier-checkpoint/") { return .judge }
            return format.hasPrefix("gankit-conditional-gan") ? .cgan : nil
        }
    }

    /// One checkpoint.
    public struct Checkpoint: Sendable, Codable, Equatable {
        /// Its folder.
        public var folder: String
        /// The step it holds, when its state could be read.
        public var step: Int?
        /// Whether `--resume` starts from it.
        public var isLatest: Bool
        /// Why it does not load, or holds NaN or Inf; nil when it is whole.
        public var problem: String?
    }

    /// The folder given.
    public var folder: String
    /// The trainer that wrote it, when recognised.
    public var kind: Kind?
    /// The checkpoints found, oldest first.
    public var checkpoints: [Checkpoint]
    /// Partial folders, temporary files and unnamed weight files left by interrupted saves.
    public var leftovers: [String]
    /// Problems of the folder as a whole (no checkpoint, `latest.json` naming a missing folder).
    public var problems: [String]

    /// Whether there is a checkpoint to resume from and every checkpoint loads.
    public var isValid: Bool {
        problems.isEmpty && checkpoints.contains { $0.isLatest } && checkpoints.allSatisfy { $0.problem == nil }
    }

    /// A few lines for a terminal.
    public var text: String {
        var lines = ["\(folder): \(kind.map { "\($0.rawValue) training folder" } ?? "not a training folder"), "
                     + (isValid ? "every checkpoint loads" : "PROBLEMS")]
        for c in checkpoints {
            let step = c.step.map { "step \($0)" } ?? "step ?"
            lines.append("  \(c.problem == nil ? "ok " : "BAD") \(step)\(c.isLatest ? " (latest)" : "")  \(c.folder)" + (c.problem.map { ": \($0)" } ?? ""))
        }
        for p in problems { lines.append("  BAD \(p)") }
        for l in leftovers { lines.append("  leftover of an interrupted save (ignored by --resume, removed by the next checkpoint): \(l)") }
        return lines.joined(separator: "\n")
    }
}

/// Loads every checkpoint of a training folder; see `CheckpointReport`.
public enum CheckpointVerification {
    /// Verifies the training folder at `path`: a CycleGAN run folder (or its `checkpoints/`), or the checkpoint folder
    /// of a label-GAN, pix2pix, inpainting or judge run. Never throws: whatever is wrong is in the report.
    public static func verify(_ path: String) -> CheckpointReport {
        let folder = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var report = CheckpointReport(folder: folder, kind: nil, checkpoints: [], leftovers: [], problems: [])
        let files = FileManager.default
        if files.fileExists(atPath: folder + "/state.json") && !files.fileExists(atPath: folder + "/latest.json") {
            verifyConditional(folder, into: &report)
        } else if files.fileExists(atPath: folder + "/checkpoints") {
            verifyCycleGAN(runFolder: folder, checkpoints: folder + "/checkpoints", into: &report)
        } else if files.fileExists(atPath: folder + "/latest.json") {
            verifyCycleGAN(runFolder: PathName(folder).parent, checkpoints: folder, into: &report)
        } else {
            report.problems.append(files.fileExists(atPath: folder) ? "no checkpoint found (no state.json, checkpoints/ or latest.json)"
                                                                   : "no such folder")
        }
        return report
    }

    private static func verifyCycleGAN(runFolder: String, checkpoints root: String, into report: inout CheckpointReport) {
        report.kind = .cyclegan
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        let latest: String?
        do {
            let pointer: [String: String] = try JSONDecoder().decode([String: String].self, from: Data(FileAccess.readAll(root + "/latest.json")))
            latest = pointer["folder"]
            if latest == nil { report.problems.append("\(root)/latest.json names no folder") }
        } catch {
            latest = nil
            report.problems.append("\(root)/latest.json: \(error)")
        }
        if let latest, !entries.contains(latest) { report.problems.append("\(root)/latest.json names \(latest), which does not exist") }
        for name in entries {
            let path = root + "/" + name
            if name.hasPrefix("step-") {
                var entry = CheckpointReport.Checkpoint(folder: path, step: nil, isLatest: name == latest, problem: nil)
                var method = TranslationMethod.cycleGAN
                if let bytes = try? FileAccess.readAll(path + "/state.json"),
                   let state = try? JSONDecoder().decode(CycleGANTrainingState.self, from: Data(bytes)) {
                    entry.step = state.step
                    method = state.options.method
                }
                do {
                    func parts<Model: TranslationTrainable>(_ loaded: (model: Model, state: CycleGANTrainingState))
                        -> ([(name: String, module: Module)], [(name: String, optimizer: Adam)], CycleGANTrainingState) {
                        (loaded.model.networks, loaded.model.optimizers, loaded.state)
                    }
                    let (networks, optimizers, state) = switch method {
                    case .cycleGAN: parts(try CycleGANModel.loadCheckpoint(path))
                    case .cut, .fastCUT: parts(try CUTModel.loadCheckpoint(path))
                    case .ugatit: parts(try UGATITModel.loadCheckpoint(path))
                    }
                    entry.step = state.step
                    let modules = networks.compactMap { net in net.module.firstNonFiniteState().map { "\(net.name).\($0)" } }
                    let moments = optimizers.compactMap { $0.optimizer.firstNonFiniteMoment() }
                    if let bad = modules.first { entry.problem = "parameter \(bad) holds NaN or Inf" }
                    else if !moments.isEmpty { entry.problem = "optimizer moments hold NaN or Inf" }
                } catch {
                    entry.problem = "\(error)"
                }
                report.checkpoints.append(entry)
            } else if name.hasPrefix(".") {
                report.leftovers.append(path)
            }
        }
        report.leftovers += temporaryFiles(in: runFolder)
    }

    private static func verifyConditional(_ folder: String, into report: inout CheckpointReport) {
        let kind = CheckpointReport.Kind.of(stateJSON: (try? String(contentsOfFile: folder + "/state.json", encoding: .utf8)) ?? "") ?? .cgan
        report.kind = kind
        // Kept snapshots first (oldest first), then the checkpoint --resume starts from.
        let snapshots = folder + "/snapshots"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []).sorted() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: snapshots + "/" + name, isDirectory: &isFolder), isFolder.boolValue else { continue }
            if name.hasPrefix("step-") {
                report.checkpoints.append(conditionalCheckpoint(snapshots + "/" + name, kind: kind, isLatest: false).entry)
            } else if name.hasPrefix(".") {
                report.leftovers.append(snapshots + "/" + name)   // a snapshot a killed process was writing or replacing
            }
        }
        let (entry, named) = conditionalCheckpoint(folder, kind: kind, isLatest: true)
        report.checkpoints.append(entry)
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in entries where name.hasSuffix(".safetensors") && !named.contains(name)
            && ["generator-", "discriminator-", "optimizers-", "classifier-", "optimizer-"].contains(where: { name.hasPrefix($0) }) {
            report.leftovers.append(folder + "/" + name)
        }
        report.leftovers += temporaryFiles(in: folder)
    }

    /// One checkpoint folder of `kind` loaded in full (weights, moments, state), and the weight files its state names.
    private static func conditionalCheckpoint(_ folder: String, kind: CheckpointReport.Kind, isLatest: Bool) -> (entry: CheckpointReport.Checkpoint, named: Set<String>) {
        var entry = CheckpointReport.Checkpoint(folder: folder, step: nil, isLatest: isLatest, problem: nil)
        var named: Set<String> = []
        do {
            let nonFinite: String?
            switch kind {
            case .pix2pix:
                let (trainer, state) = try Pix2PixTrainer.resume(from: folder)
                (entry.step, named, nonFinite) = (state.step, Set(state.weightFiles), trainer.nonFiniteState())
            case .inpaint:
                let (trainer, state) = try InpaintingTrainer.resume(from: folder)
                (entry.step, named, nonFinite) = (state.step, Set(state.weightFiles), trainer.nonFiniteState())
            case .judge:
                let (trainer, state) = try DomainClassifierTrainer.loaded(from: folder)
                (entry.step, named, nonFinite) = (state.step, Set(state.weightFiles), trainer.nonFiniteState())
            case .cgan, .cyclegan:
                let state = try ConditionalGANTrainer.readState(from: folder)
                (entry.step, named) = (state.step, Set(state.weightFiles))   // the average generator's file too
                nonFinite = try ConditionalGANTrainer.resume(from: folder).nonFiniteState()
            }
            if let bad = nonFinite { entry.problem = "\(bad) holds NaN or Inf" }
        } catch {
            entry.problem = "\(error)"
        }
        return (entry, named)
    }

    /// Temporary files of atomic writes (`.NAME.XXXXXX` and `.NAME.XXXXXX.tmp`) directly in `folder`.
    private static func temporaryFiles(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().filter { name in
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder)
            return exists && name.hasPrefix(".") && !isFolder.boolValue && name.split(separator: ".").count >= 3
        }.map { folder + "/" + $0 }
    }
}
