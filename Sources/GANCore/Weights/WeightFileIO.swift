// Whole-file reads and atomic writes with plain POSIX calls (no Foundation).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// POSIX file helpers used by the weight-file readers and writers.
enum WeightFileIO {
    /// Message for an errno value.
    static func errorString(_ code: Int32) -> String {
        guard let p = strerror(code) else { return "error \(code)" }
        return String(cString: p)
    }

    /// Reads a whole regular file, refusing files larger than `limit` before allocating.
    static func readAll(_ path: String, limit: UInt64) throws(WeightFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(file: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(file: path, operation: "stat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io(file: path, operation: "open (not a regular file)", errno: EINVAL) }
        let size = UInt64(max(0, Int64(st.st_size)))
        guard size <= limit else { throw .limitExceeded(file: path, what: "file size (bytes)", size: size, limit: limit) }
        let n = Int(size)
        var failure: Int32 = 0
        var shortRead = false
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buf, initialized in
            var done = 0
            while done < n {
                let r = read(fd, buf.baseAddress! + done, n - done)
                if r < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if r == 0 { shortRead = true; break }
                done += r
            }
            // Zero whatever was not read so the array is fully initialised.
            if done < n { (buf.baseAddress! + done).initialize(repeating: 0, count: n - done) }
            initialized = n
        }
        if failure != 0 { throw .io(file: path, operation: "read", errno: failure) }
        if shortRead { throw .truncated(file: path, detail: "file shrank while being read") }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder (`.NAME.XXXXXX` followed by
    /// `temporarySuffix`) is written, fsynced and renamed over `path`; then the folder is fsynced (best effort).
    static func writeAtomically(_ bytes: [UInt8], to path: String, temporarySuffix: String = "") throws(WeightFileError) {
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."
            base = path
        }
        guard !base.isEmpty else { throw .io(file: path, operation: "open (path names a folder)", errno: EISDIR) }
        var template = Array(((dir == "/" ? "/" : dir + "/") + "." + base + ".XXXXXX" + temporarySuffix).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(temporarySuffix.utf8.count)) }
        guard fd >= 0 else { throw .io(file: path, operation: "create temporary file", errno: errno) }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        var failure: (String, Int32)? = nil
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let w = write(fd, raw.baseAddress! + done, raw.count - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    failure = ("write", errno)
                    return
                }
                done += w
            }
        }
        if failure == nil, fchmod(fd, 0o644) != 0 { failure = ("chmod", errno) }
        if failure == nil, fsync(fd) != 0 { failure = ("fsync", errno) }
        if close(fd) != 0, failure == nil { failure = ("close", errno) }
        if let (op, code) = failure { throw .io(file: path, operation: op, errno: code) }
        guard rename(tempPath, path) == 0 else { throw .io(file: path, operation: "rename", errno: errno) }
        ok = true
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }
}
