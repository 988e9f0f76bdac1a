/// Everything that can go wrong reading an IDX dataset (MNIST, Fashion-MNIST). Each case names the file.
public enum IDXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read (missing, unreadable, too large).
    case cannotRead(file: String, reason: String)
    /// The gzip wrapper is damaged.
    case corruptGzip(file: String, reason: String)
    /// The header's magic number is not the one expected (2051 for images, 2049 for labels).
    case badMagic(file: String, found: UInt32, expected: UInt32)
    /// The header's dimensions are impossible (zero, huge, or not what the other file says).
    case badDimensions(file: String, detail: String)
    /// The file holds fewer (or more) bytes than its header promises.
    case wrongLength(file: String, expectedBytes: Int, foundBytes: Int)
    /// The images and labels files hold different numbers of items.
    case countMismatch(imagesFile: String, labelsFile: String, images: Int, labels: Int)
    /// A label is outside 0..<classCount.
    case labelOutOfRange(file: String, index: Int, label: Int, classCount: Int)
    /// The data folder or one of its files does not exist.
    case missingData(path: String)

    /// A one-line explanation naming the file and the problem.
    public var description: String {
        switch self {
        case let .cannotRead(file, reason): "\(file): cannot read: \(reason)"
        case let .corruptGzip(file, reason): "\(file): corrupt gzip data: \(reason)"
        case let .badMagic(file, found, expected): "\(file): not an IDX file of this kind (magic \(found), expected \(expected))"
        case let .badDimensions(file, detail): "\(file): bad IDX dimensions: \(detail)"
        case let .wrongLength(file, expected, found): "\(file): IDX header promises \(expected) bytes, file holds \(found)"
        case let .countMismatch(imagesFile, labelsFile, images, labels):
            "\(imagesFile) holds \(images) images but \(labelsFile) holds \(labels) labels"
        case let .labelOutOfRange(file, index, label, classCount): "\(file): label \(label) at index \(index) is outside 0..<\(classCount)"
        case let .missingData(path): "\(path): not found (set GANKIT_DATA to the folder holding mnist/ and fashion-mnist/)"
        }
    }
}
