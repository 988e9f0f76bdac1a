import CKernels

/// Errors from inflating gzip data; each names the file the bytes came from.
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data is not valid gzip/zlib, or ends early (zlib's message).
    case corrupt(file: String, message: String)
    /// The inflated data would exceed the limit.
    case tooLarge(file: String, limit: Int)

    /// A one-line explanation naming the file.
    public var description: String {
        switch self {
        case .corrupt(let file, let message): return "\(file): corrupt gzip data (\(message))"
        case .tooLarge(let file, let limit): return "\(file): inflated data exceeds \(limit) bytes"
        }
    }
}

/// gzip decompression (zlib through CKernels), for the compressed datasets (MNIST's `.gz` files).
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Inflates gzip (or zlib) `bytes`; concatenated members are joined.
    /// - Parameters:
    ///   - maxOutputBytes: refuse output larger than this (a decompression-bomb guard; default 2 GiB).
    ///   - fileName: named in errors.
    /// - Throws: `GzipError`.
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int = 1 << 31,
                                  fileName: String = "<memory>") throws(GzipError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var count = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { source in
            gk_gunzip(source.baseAddress, source.count, maxOutputBytes, &out, &count, &message, message.count)
        }
        guard status == 0, let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.contains("exceeds the limit") { throw .tooLarge(file: fileName, limit: maxOutputBytes) }
            throw .corrupt(file: fileName, message: text)
        }
        defer { gk_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: count))
    }
}
