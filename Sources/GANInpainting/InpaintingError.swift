/// Everything that can go wrong inpainting in memory. Each case says what was wrong with the
/// inputs, so that a batch can report it and move on.
public enum InpaintingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The mask's size differs from the image's.
    case maskSizeMismatch(maskWidth: Int, maskHeight: Int, imageWidth: Int, imageHeight: Int)
    /// Every pixel is a hole: there is no known pixel to propagate from.
    case maskCoversEverything(width: Int, height: Int)
    /// An argument is out of range (a radius below 1, an empty hole-ratio range...).
    case invalidArgument(String)
    /// The mask generator could not reach the asked hole ratio.
    case holeRatioUnreachable(lower: Double, upper: Double, width: Int, height: Int)

    /// A one-line message.
    public var description: String {
        switch self {
        case let .maskSizeMismatch(mw, mh, iw, ih):
            "the mask is \(mw)x\(mh) but the image is \(iw)x\(ih); a mask must have its image's size"
        case let .maskCoversEverything(w, h):
            "the mask covers the whole \(w)x\(h) image: there are no known pixels to fill the hole from"
        case let .invalidArgument(text): text
        case let .holeRatioUnreachable(lower, upper, w, h):
            "no free-form mask with a hole ratio in \(lower)...\(upper) was found for a \(w)x\(h) image"
        }
    }
}
