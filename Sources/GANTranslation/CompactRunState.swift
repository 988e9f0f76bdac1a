import Foundation
import GANCore
import GANImageIO

/// A translation run's latest checkpoint, copied small enough to commit: a run folder of its own (`checkpoints/
/// latest.json` and one `step-N/`) that `TranslationTrainer(resuming:)` (`gantool train cyclegan --resume --out`)
/// takes like any run. The network weights are stored in float16 and the Adam moments in bfloat16 (half the bytes
/// each); the image pools are left out (resume starts them empty, their random streams kept). A resume from it is
/// therefore close to, not bit for bit, the run's own: each weight moves by at most half a float16 step (about 5e-4
/// of its size) once per copy, less than one Adam update.
public enum CompactRunState {
    /// What `keep` wrote.
    public struct Kept: Sendable, Equatable {
        /// The checkpoint's step.
        public var step: Int
        /// The copy's folder, `<destination>/checkpoints/step-N`.
        public var folder: String
        /// Bytes written.
        public var bytes: Int
    }

    /// Copies the latest checkpoint of `runFolder` into `destination` (a run folder, replaced as a whole: the old
    /// copy stays until the new one is complete).
    /// - Throws: `TranslationCheckpointError` for a missing or unreadable checkpoint or a failed write.
    @discardableResult
    public static func keep(runFolder: String, in destination: String) throws(TranslationCheckpointError) -> Kept {
        let (state, source) = try CycleGANCheckpoint.latestState(runFolder: runFolder)
        let files = FileManager.default
        let names = ((try? files.contentsOfDirectory(atPath: source)) ?? []).filter { $0.hasSuffix(".safetensors") && $0 != "pools.safetensors" }.sorted()
        let staging = destination + ".partial-\(getpid())"
        try? files.removeItem(atPath: staging)
        let step = String(format: "step-%09d", state.step)
        let folder = "\(staging)/checkpoints/\(step)"
        var bytes = 0
        do {
            try FileAccess.makeFolders(folder)
            for name in names {
                let tensors = try CycleGANCheckpoint.readTensors("\(source)/\(name)")
                let dtype: WeightDType = name.hasPrefix("optimizer_") ? .bf16 : .f16
                do { try SafeTensors.write(tensors, to: "\(folder)/\(name)", as: dtype) } catch {
                    throw TranslationCheckpointError.cannotWrite(path: "\(folder)/\(name)", reason: error.description)
                }
            }
            let stateBytes = try FileAccess.readAll(source + "/state.json")
            try FileAccess.writeAtomically(stateBytes, to: folder + "/state.json")
            try CycleGANCheckpoint.writeJSON(["folder": step], to: staging + "/checkpoints/latest.json")
            for name in names + ["state.json"] {
                bytes += ((try? files.attributesOfItem(atPath: "\(folder)/\(name)"))?[.size] as? Int) ?? 0
            }
        } catch let error as TranslationCheckpointError {
            try? files.removeItem(atPath: staging)
            throw error
        } catch {
            try? files.removeItem(atPath: staging)
            throw .cannotWrite(path: destination, reason: "\(error)")
        }
        let old = destination + ".old-\(getpid())"
        if files.fileExists(atPath: destination) {
            guard rename(destination, old) == 0 else {
                try? files.removeItem(atPath: staging)
                throw .cannotWrite(path: destination, reason: String(cString: strerror(errno)))
            }
        }
        guard rename(staging, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(old, destination)
            try? files.removeItem(atPath: staging)
            throw .cannotWrite(path: destination, reason: reason)
        }
        try? files.removeItem(atPath: old)
        return Kept(step: state.step, folder: "\(destination)/checkpoints/\(step)", bytes: bytes)
    }
}
