import GANCore
import GANImageIO

/// One parsed IDX file of unsigned bytes: its dimensions and its payload.
/// Format: big-endian header `0x00 0x00 0x08 rank`, then `rank` UInt32 sizes, then the bytes row-major.
public struct IDXFile: Sendable, Equatable {
    /// Magic number of an image file (ubyte, rank 3).
    public static let imagesMagic: UInt32 = 2051
    /// Magic number of a label file (ubyte, rank 1).
    public static let labelsMagic: UInt32 = 2049
    /// Largest payload accepted (1 GiB), checked before allocation.
    public static let maxPayloadBytes = 1 << 30

    /// The sizes from the header, e.g. [10000, 28, 28].
    public let dimensions: [Int]
    /// The payload, `dimensions.reduce(1, *)` bytes.
    public let bytes: [UInt8]

    /// Parses `data` (raw IDX, or gzip-compressed IDX), expecting the given magic number.
    /// - Throws: `IDXError` naming `fileName`.
    public init(data: [UInt8], expectedMagic: UInt32, fileName: String) throws(IDXError) {
        var data = data
        if Gzip.isGzip(data) {
            do { data = try Gzip.decompress(data, maxOutputBytes: Self.maxPayloadBytes + 64, fileName: fileName) } catch {
                throw .corruptGzip(file: fileName, reason: error.description)
            }
        }
        func word(_ offset: Int) -> UInt32 {
            data[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        guard data.count >= 4 else { throw .wrongLength(file: fileName, expectedBytes: 4, foundBytes: data.count) }
        let magic = word(0)
        guard magic == expectedMagic else { throw .badMagic(file: fileName, found: magic, expected: expectedMagic) }
        let rank = Int(magic & 0xFF)
        let headerBytes = 4 + 4 * rank
        guard data.count >= headerBytes else { throw .wrongLength(file: fileName, expectedBytes: headerBytes, foundBytes: data.count) }
        let dimensions = (0..<rank).map { Int(word(4 + 4 * $0)) }
        var payload = 1
        for size in dimensions {
            guard size > 0 else { throw .badDimensions(file: fileName, detail: "size 0 in \(dimensions)") }
            let (product, overflow) = payload.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Self.maxPayloadBytes else {
                throw .badDimensions(file: fileName, detail: "\(dimensions) exceeds \(Self.maxPayloadBytes) bytes")
            }
            payload = product
        }
        guard data.count == headerBytes + payload else {
            throw .wrongLength(file: fileName, expectedBytes: headerBytes + payload, foundBytes: data.count)
        }
        self.dimensions = dimensions
        self.bytes = Array(data[headerBytes...])
    }

    /// Reads and parses the file at `path`.
    /// - Throws: `IDXError` naming `path`.
    public init(contentsOf path: String, expectedMagic: UInt32) throws(IDXError) {
        let data: [UInt8]
        do { data = try FileAccess.readAll(path) } catch {
            if case .cannotRead(_, let reason) = error, reason.contains("No such file") { throw .missingData(path: path) }
            throw .cannotRead(file: path, reason: "\(error)")
        }
        try self.init(data: data, expectedMagic: expectedMagic, fileName: path)
    }
}
