import Foundation
import GANTranslation

/// `loss_log.csv` of a pix2pix or inpainting run: `step,epoch,seconds,lr,<loss names>` (the layout `LossCurve`
/// reads), appended a row per step and cut back to a checkpoint's step when a run resumes or rolls back.
struct TrainingLossLog {
    /// The CSV file.
    let path: String
    /// The loss columns after `step,epoch,seconds,lr`.
    let names: [String]

    /// The header line.
    var header: String { (["step", "epoch", "seconds", "lr"] + names).joined(separator: ",") }

    /// Appends one row (creating the file with its header).
    func append(step: Int, epoch: Double, seconds: Double, learningRate: Float, values: [Float]) throws {
        if !FileManager.default.fileExists(atPath: path) { try FileAccess.writeAtomically(Array((header + "\n").utf8), to: path) }
        let row = ["\(step)", String(format: "%.4f", epoch), String(format: "%.2f", seconds), "\(learningRate)"] + values.map { "\($0)" }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw GANKitError.cannotWrite(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((row.joined(separator: ",") + "\n").utf8))
        } catch { throw GANKitError.cannotWrite(path: path, reason: "\(error)") }
    }

    /// Drops rows after `step` (written after the checkpoint a resumed run starts from) and rows cut short.
    func truncate(afterStep step: Int) { LossCurve.truncateLog(path, afterStep: step, columns: 4 + names.count) }
}
