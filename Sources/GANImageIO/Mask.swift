/// A binary inpainting mask. Convention: **white marks the pixels to fill** (the hole), black
/// the pixels to keep. A pixel is a hole when its 8-bit luma is at or above `threshold`.
public struct Mask: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// One flag per pixel, row-major: true where the pixel is to be filled.
    public let isHole: [Bool]

    /// A mask from flags; the count must be width * height.
    public init(width: Int, height: Int, isHole: [Bool]) throws(ImageIOError) {
        guard width > 0, height > 0, isHole.count == width * height else {
            throw .invalidArgument("a \(width)x\(height) mask needs \(width * height) flags, got \(isHole.count)")
        }
        self.width = width; self.height = height; self.isHole = isHole
    }

    /// A mask from an image of any layout: its luma (BT.601 for colour, alpha ignored), scaled
    /// to 8 bits, at or above `threshold` is a hole; `inverted` swaps hole and keep.
    public init(image: Image, threshold: UInt8 = 128, inverted: Bool = false) {
        let gray = image.converted(to: .gray).converted(to: .uint8)
        width = image.width; height = image.height
        isHole = gray.samples.map { ($0 >= UInt16(threshold)) != inverted }
    }

    /// A mask from an image's alpha channel: pixels whose alpha is below `threshold` (transparent)
    /// are holes. Throws when the image has no alpha.
    public init(alphaOf image: Image, threshold: UInt8 = 128, source: String = "<memory>") throws(ImageIOError) {
        guard let alpha = image.alphaChannel()?.converted(to: .uint8) else {
            throw .invalidArgument("\(source): the image has no alpha channel to take a mask from")
        }
        width = image.width; height = image.height
        isHole = alpha.samples.map { $0 < UInt16(threshold) }
    }

    /// Loads a mask from a PNG or JPEG file (see ``init(image:threshold:inverted:)``).
    public init(contentsOf path: String, threshold: UInt8 = 128, inverted: Bool = false) throws(ImageIOError) {
        self.init(image: try Image(contentsOf: path), threshold: threshold, inverted: inverted)
    }

    /// How many pixels are holes.
    public var holeCount: Int { isHole.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The fraction of pixels that are holes, 0...1.
    public var holeFraction: Double { Double(holeCount) / Double(isHole.count) }

    /// Throws ``ImageIOError/maskSizeMismatch(mask:maskWidth:maskHeight:imageWidth:imageHeight:)``
    /// naming `source` unless the mask has the image's size.
    public func checkSize(matches image: Image, source: String = "<mask>") throws(ImageIOError) {
        guard width == image.width, height == image.height else {
            throw .maskSizeMismatch(mask: source, maskWidth: width, maskHeight: height, imageWidth: image.width, imageHeight: image.height)
        }
    }

    /// The mask as an 8-bit gray image: 255 for holes, 0 elsewhere.
    public var image: Image {
        Image(unchecked: width, height: height, layout: .gray, sampleType: .uint8, samples: isHole.map { $0 ? 255 : 0 })
    }
}
