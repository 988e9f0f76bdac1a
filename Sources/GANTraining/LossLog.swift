import Foundation
import GANImageIO

/// A run's `loss_log.csv`: `step,epoch,seconds,lr,<loss names>` (the layout `LossCurve` reads), a row appended per
/// step and cut back to a checkpoint's step when a run resumes or rolls back.
final class LossLog {
    /// The CSV file.
    let path: String
    /// The loss columns after `step,epoch,seconds,lr`.
    let names: [String]
    private let fd: Int32

    /// Opens (creating with its header) the log at `path` for appending, after dropping rows written after `step`
    /// (by a run that did not get to checkpoint them) and rows cut short.
    /// - Throws: `ImageIOError.cannotWrite` naming the log.
    init(path: String, names: [String], keepingUpToStep step: Int) throws(ImageIOError) {
        LossCurve.truncateLog(path, afterStep: step, columns: 4 + names.count)
        self.path = path
        self.names = names
        if !FileManager.default.fileExists(atPath: path) {
            let header = (["step", "epoch", "seconds", "lr"] + names).joined(separator: ",") + "\n"
            try FileAccess.writeAtomically(Array(header.utf8), to: path)
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// Appends one row. A row that does not fit (a full disk) is cut back off and reported.
    /// - Throws: `ImageIOError.cannotWrite` naming the log and the problem.
    func append(step: Int, epoch: String, seconds: Double, learningRate: Float, values: [Float]) throws(ImageIOError) {
        let row = ["\(step)", epoch, String(format: "%.2f", seconds), "\(learningRate)"] + values.map { "\($0)" }
        let bytes = Array((row.joined(separator: ",") + "\n").utf8)
        let size = lseek(fd, 0, SEEK_END)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                if size >= 0 { _ = ftruncate(fd, size) }
                throw .cannotWrite(path: path, reason: reason)
            }
            done += n
        }
    }

    /// The log opened again with the rows after `step` dropped (after a rollback).
    func reopened(keepingUpToStep step: Int) throws(ImageIOError) -> LossLog {
        try LossLog(path: path, names: names, keepingUpToStep: step)
    }
}
