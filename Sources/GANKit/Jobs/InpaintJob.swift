import Foundation

/// Where the mask of an image comes from.
public enum MaskSource: Sendable, Equatable {
    /// A mask image (any layout; white = fill).
    case file(String)
    /// The image's own alpha channel (transparent = fill).
    case alpha
}

/// A problem with an image and its mask, named by both files, as `gantool inpaint` reports it.
public enum InpaintFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The mask's size differs from the image's.
    case maskSizeMismatch(image: String, imageWidth: Int, imageHeight: Int, mask: String, maskWidth: Int, maskHeight: Int)
    /// The mask has no hole pixel.
    case emptyMask(mask: String)
    /// Every pixel of the mask is a hole.
    case maskCoversEverything(mask: String, width: Int, height: Int)
    /// No mask in the masks folder has the image's name.
    case noMask(image: String, folder: String)
    /// Several masks have the image's name.
    case ambiguousMask(image: String, candidates: [String])

    /// A one-line message naming the files.
    public var description: String {
        switch self {
        case let .maskSizeMismatch(image, iw, ih, mask, mw, mh):
            "\(image) is \(iw)x\(ih) but its mask \(mask) is \(mw)x\(mh); a mask must have its image's size"
        case let .emptyMask(mask):
            "\(mask): the mask marks no pixel to fill (white = fill), so there is nothing to inpaint; if black marks the hole, use --invert-mask"
        case let .maskCoversEverything(mask, w, h):
            "\(mask): the mask covers the whole \(w)x\(h) image, so no known pixel is left to fill from; if black marks the hole, use --invert-mask"
        case let .noMask(image, folder):
            "\(image): no mask with this name in \(folder)"
        case let .ambiguousMask(image, candidates):
            "\(image): several masks have this name: \(candidates.joined(separator: ", "))"
        }
    }
}

/// Read an image and its mask, check them, inpaint, write: what `gantool inpaint` does to
/// each pair.
public struct InpaintJob: Sendable {
    /// The method and its settings.
    public var inpainter: Inpainter
    /// Mask pixels whose 8-bit luma is at or above this are holes (for `.alpha`: pixels whose
    /// alpha is below it).
    public var threshold: UInt8
    /// Swap hole and keep.
    public var invertMask: Bool
    /// Output format; nil: the one `-o`'s extension names, else the input's.
    public var format: ImageFormat?
    /// JPEG quality, 1-100.
    public var quality: Int
    /// Whether a mask with no hole is an error (`InpaintFileError.emptyMask`); by default the image has nothing to
    /// fill and goes through unchanged (`InpaintOutcome.copiedUnchanged`).
    public var emptyMaskIsError: Bool

    /// A job with the given choices.
    public init(inpainter: Inpainter = Inpainter(), threshold: UInt8 = 128, invertMask: Bool = false,
                format: ImageFormat? = nil, quality: Int = 92, emptyMaskIsError: Bool = false) {
        self.inpainter = inpainter; self.threshold = threshold; self.invertMask = invertMask
        self.format = format; self.quality = quality; self.emptyMaskIsError = emptyMaskIsError
    }

    /// Loads the mask for `image` (read from `imagePath`) and checks that it has the image's
    /// size, marks some pixels (unless `allowingEmpty`) and leaves some known.
    public func loadMask(_ source: MaskSource, for image: Image, imagePath: String, allowingEmpty: Bool = false) throws -> Mask {
        var mask: Mask
        let name: String
        switch source {
        case let .file(path):
            name = path
            mask = try Mask(contentsOf: path, threshold: threshold, inverted: invertMask)
        case .alpha:
            name = "\(imagePath) (alpha)"
            mask = try Mask(alphaOf: image, threshold: threshold, source: imagePath)
            if invertMask { mask = try Mask(width: mask.width, height: mask.height, isHole: mask.isHole.map { !$0 }) }
        }
        guard mask.width == image.width, mask.height == image.height else {
            throw InpaintFileError.maskSizeMismatch(image: imagePath, imageWidth: image.width, imageHeight: image.height,
                                                    mask: name, maskWidth: mask.width, maskHeight: mask.height)
        }
        let holes = mask.holeCount
        if holes == 0 && !allowingEmpty { throw InpaintFileError.emptyMask(mask: name) }
        if holes == mask.isHole.count { throw InpaintFileError.maskCoversEverything(mask: name, width: mask.width, height: mask.height) }
        return mask
    }

    /// Inpaints the image at `imagePath` with the mask from `source` and writes the result
    /// atomically to `output`, at the input's size. With `.alpha`, filled pixels become opaque. A mask without a hole
    /// writes the image unchanged (its own bytes when the format stays) unless `emptyMaskIsError`.
    @discardableResult
    public func run(image imagePath: String, mask source: MaskSource, output: String) throws -> InpaintOutcome {
        let bytes = try FileAccess.readAll(imagePath)
        let image = try Image(bytes: bytes, source: imagePath)
        let mask = try loadMask(source, for: image, imagePath: imagePath, allowingEmpty: !emptyMaskIsError)
        if mask.holeCount == 0 {
            let chosen = format ?? ImageFormat(fileExtension: PathName(output).pathExtension) ?? ImageFormat.detect(bytes) ?? .png
            try OutputPlan.prepareFolder(for: output)
            try FileAccess.writeAtomically(chosen == ImageFormat.detect(bytes) ? bytes : image.encoded(as: chosen, quality: quality),
                                           to: output)
            return .copiedUnchanged
        }
        var result = try inpainter.inpaint(image: image, mask: mask)
        if source == .alpha, image.layout.hasAlpha {
            let alpha = image.channelCount - 1, opaque = UInt16(image.sampleType.maxValue)
            for p in 0..<mask.isHole.count where mask.isHole[p] {
                result[x: p % image.width, y: p / image.width, channel: alpha] = opaque
            }
        }
        let chosen = format ?? ImageFormat(fileExtension: PathName(output).pathExtension) ?? ImageFormat.detect(bytes) ?? .png
        try OutputPlan.prepareFolder(for: output)
        try FileAccess.writeAtomically(result.encoded(as: chosen, quality: quality), to: output)
        return .filled
    }
}

/// What `InpaintJob.run` did with one image.
public enum InpaintOutcome: Sendable, Equatable {
    /// The holes were filled.
    case filled
    /// The mask had no hole: the image was written unchanged.
    case copiedUnchanged
}
