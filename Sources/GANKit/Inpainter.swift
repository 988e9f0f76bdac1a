@_exported import GANInpainting

/// Fills the holes of in-memory images: the facade over GANInpainting's methods.
///
/// ```swift
/// let filled = try Inpainter().inpaint(image: photo, mask: Mask(contentsOf: "mask.png"))
/// ```
/// Pixels outside the mask and the alpha channel come back bit-identical; the result has the
/// input's size, layout and bit depth.
public struct Inpainter: Sendable, Equatable {
    /// How holes are filled.
    public enum Method: String, Sendable, Equatable, CaseIterable, Codable {
        /// Fast marching, Telea 2004: no model needed; smooth fills, best on small holes.
        case telea
    }

    /// The method used.
    public var method: Method
    /// The neighbourhood radius of ``Method/telea``, in pixels (1...100).
    public var radius: Int

    /// An inpainter using `method` (Telea by default) with a neighbourhood of `radius` pixels.
    public init(method: Method = .telea, radius: Int = 5) {
        self.method = method
        self.radius = radius
    }

    /// Returns `image` with the holes of `mask` (white = fill) filled in; an empty mask returns
    /// the image. Throws ``InpaintingError`` when the mask's size differs from the image's, when
    /// it covers every pixel, or when the radius is out of range.
    public func inpaint(image: Image, mask: Mask) throws(InpaintingError) -> Image {
        switch method {
        case .telea: try TeleaInpainter(radius: radius).inpaint(image, mask: mask)
        }
    }
}
