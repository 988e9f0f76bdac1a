import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes with errors that name the file and say what went wrong.
public enum FileAccess {
    /// Files larger than this are refused by ``readAll(_:limit:)`` unless a larger limit is given.
    public static let defaultReadLimit = 1 << 30

    /// Reads a whole file; refuses folders and files over `limit` bytes before reading.
    public static func readAll(_ path: String, limit: Int = defaultReadLimit) throws(ImageIOError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(path: path, reason: errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .cannotRead(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size <= limit else { throw .cannotRead(path: path, reason: "file is \(size) bytes, over the limit of \(limit)") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .cannotRead(path: path, reason: n == 0 ? "file shrank while reading" : errnoText()) }
            done += n
        }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed to
    /// disk, then renamed over `path`. Readers see the old file or the whole new one, never a
    /// part; on failure the temporary file is removed and `path` is untouched.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageIOError) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(folder.isEmpty ? "/" : folder)/.\(name).XXXXXX.tmp".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) }
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: errnoText()) }
        let temporary = messageText(template)
        var failure: String?
        var done = 0
        while done < bytes.count && failure == nil {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failure = errnoText() } else { done += n }
        }
        if failure == nil && fsync(fd) != 0 { failure = errnoText() }
        if failure == nil { fchmod(fd, 0o644) }
        if close(fd) != 0 && failure == nil { failure = errnoText() }
        if failure == nil && rename(temporary, path) != 0 { failure = errnoText() }
        if let failure {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// Writes a whole folder atomically: `fill` writes the folder's files into a hidden sibling
    /// (`.NAME.partial-PID`), which is then renamed to `folder`, replacing an existing one (moved aside to
    /// `.NAME.old-PID` first and removed after). A failure removes the partial folder and leaves `folder` as it was.
    /// - Throws: what `fill` or the file system throws.
    public static func replaceFolder(_ folder: String, fill: (String) throws -> Void) throws {
        let fm = FileManager.default
        let path = PathName(folder), parent = path.folder, name = path.lastComponent
        let partial = "\(parent)/.\(name).partial-\(getpid())"
        do {
            try? fm.removeItem(atPath: partial)
            try makeFolders(partial)
            try fill(partial)
            if fm.fileExists(atPath: folder) {
                let old = "\(parent)/.\(name).old-\(getpid())"
                try fm.moveItem(atPath: folder, toPath: old)
                try fm.moveItem(atPath: partial, toPath: folder)
                try? fm.removeItem(atPath: old)
            } else {
                try fm.moveItem(atPath: partial, toPath: folder)
            }
        } catch {
            try? fm.removeItem(atPath: partial)
            throw error
        }
    }

    /// Creates `folder` and the folders above it that are missing (`mkdir -p`).
    /// - Throws: `ImageIOError.cannotWrite` naming the folder that could not be made and the system's reason
    ///   ("Read-only file system", "No space left on device", "Not a directory"...).
    public static func makeFolders(_ folder: String) throws(ImageIOError) {
        var info = stat()
        if stat(folder, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .cannotWrite(path: folder, reason: "cannot create the folder: a file has this name") }
            return
        }
        let parent = PathName(folder).parent
        if !parent.isEmpty && parent != folder { try makeFolders(parent) }
        if mkdir(folder, 0o777) != 0 && errno != EEXIST {
            throw .cannotWrite(path: folder, reason: "cannot create the folder: \(errnoText())")
        }
    }

    /// Removes temporary files that an interrupted ``writeAtomically(_:to:)`` of `path` left
    /// behind (a process killed between creating and renaming them): `.NAME.XXXXXX.tmp` beside
    /// `path`. Call it before writing `path` again.
    public static func removeStaleTemporaryFiles(for path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "/" : folder) else { return }
        let prefix = "." + name + "."
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") && entry.count == prefix.count + 10 {
            unlink((folder.isEmpty ? "" : folder) + "/" + entry)
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
