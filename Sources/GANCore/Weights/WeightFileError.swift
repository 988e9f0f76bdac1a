/// Everything that can go wrong reading or writing a weight file (safetensors or a
/// PyTorch `.pth` checkpoint).
///
/// Every case carries the file it concerns (a path, or the name given to an in-memory
/// read), and where it makes sense the tensor or archive entry; ``description`` is a
/// one-line message fit for a user.
public enum WeightFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An operating-system call failed (`operation` is e.g. "open", "read", "rename").
    case io(file: String, operation: String, errno: Int32)
    /// The file ended before a structure it declares (header, entry, record).
    case truncated(file: String, detail: String)
    /// A size or count exceeds a fixed safety limit (`what` says which, with its unit);
    /// nothing was allocated for it.
    case limitExceeded(file: String, what: String, size: UInt64, limit: UInt64)
    /// The safetensors JSON header is not well-formed or not shaped as the format requires.
    case malformedHeader(file: String, detail: String)
    /// A tensor declares a dtype this reader does not know.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's declaration is inconsistent (shape, offsets, byte length, strides...).
    case invalidTensor(file: String, tensor: String, detail: String)
    /// The tensors' byte ranges overlap, leave gaps, or do not cover the data section exactly.
    case invalidLayout(file: String, detail: String)
    /// The file is neither a zip archive nor a recognised legacy checkpoint.
    case notAZipArchive(file: String)
    /// The file is a tar-format PyTorch checkpoint (torch < 0.1.10), which is not supported. (Pickle-stream
    /// legacy checkpoints, torch < 1.6, are read.)
    case legacyFormat(file: String)
    /// The zip container is damaged or inconsistent (bad signature, range, CRC...).
    case corruptArchive(file: String, detail: String)
    /// A zip entry is compressed or encrypted; PyTorch checkpoints store entries uncompressed.
    case compressedEntry(file: String, entry: String, method: UInt16)
    /// The pickle references a global outside the allow-list; nothing was executed.
    case forbiddenGlobal(file: String, module: String, name: String)
    /// The pickle stream is malformed or uses an unsupported opcode or construct.
    case malformedPickle(file: String, offset: Int, detail: String)
    /// The checkpoint is valid but does not contain a state dict this reader understands.
    case unsupportedContent(file: String, detail: String)
    /// A tensor cannot be written in the requested form.
    case cannotEncode(file: String, tensor: String, detail: String)

    /// A one-line message naming the file, the problem and, where relevant, the tensor.
    public var description: String {
        switch self {
        case let .io(file, operation, code):
            return "\(file): \(operation) failed: \(WeightFileIO.errorString(code)) (errno \(code))"
        case let .truncated(file, detail):
            return "\(file): file is truncated: \(detail)"
        case let .limitExceeded(file, what, size, limit):
            return "\(file): \(what) is \(size), over the limit of \(limit)"
        case let .malformedHeader(file, detail):
            return "\(file): malformed safetensors header: \(detail)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has unknown or unsupported dtype '\(dtype)'"
        case let .invalidTensor(file, tensor, detail):
            return "\(file): tensor '\(tensor)': \(detail)"
        case let .invalidLayout(file, detail):
            return "\(file): invalid data layout: \(detail)"
        case let .notAZipArchive(file):
            return "\(file): not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save pickle stream)"
        case let .legacyFormat(file):
            return "\(file): tar-format checkpoint of torch < 0.1.10 is not supported; re-save with torch>=1.6 (torch.save zip format)"
        case let .corruptArchive(file, detail):
            return "\(file): corrupt zip archive: \(detail)"
        case let .compressedEntry(file, entry, method):
            return "\(file): zip entry '\(entry)' is compressed or encrypted (method \(method)); only stored entries are supported"
        case let .forbiddenGlobal(file, module, name):
            return "\(file): pickle references forbidden global '\(module).\(name)'; refusing to load (nothing was executed)"
        case let .malformedPickle(file, offset, detail):
            return "\(file): malformed pickle at byte \(offset): \(detail)"
        case let .unsupportedContent(file, detail):
            return "\(file): unsupported checkpoint content: \(detail)"
        case let .cannotEncode(file, tensor, detail):
            return "\(file): cannot write tensor '\(tensor)': \(detail)"
        }
    }
}
