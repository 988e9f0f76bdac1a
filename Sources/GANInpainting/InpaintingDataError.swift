/// A problem with the training photos of an inpainting run, naming the path at fault.
public enum InpaintingDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The folder holds no PNG or JPEG file.
    case noImages(path: String)
    /// A training image cannot be read.
    case badImage(path: String, detail: String)

    /// A one-line explanation naming the path.
    public var description: String {
        switch self {
        case let .noImages(path): "\(path): no PNG or JPEG images"
        case let .badImage(path, detail): "\(path): cannot read the image: \(detail)"
        }
    }
}
