import Foundation

/// Errors of the facade that are not image-file errors.
public enum GANKitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument is malformed or out of range.
    case invalidArgument(String)
    /// An output could not be written.
    case cannotWrite(path: String, reason: String)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .invalidArgument(text): text
        case let .cannotWrite(path, reason): "\(path): cannot write: \(reason)"
        }
    }
}
