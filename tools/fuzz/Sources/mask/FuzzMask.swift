// Fuzz target `mask`: bytes -> image -> Mask, as `gantool inpaint` loads masks: a mask file
// (Mask(image:threshold:inverted:), what Mask(contentsOf:) does after reading), the image's
// alpha (Mask(alphaOf:)), and InpaintJob.loadMask's size and coverage checks. The threshold and
// inversion come from the input's length, so the bytes themselves stay a plain image.
import FuzzSupport
import GANImageIO
import GANKit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMask(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard let image = try? Image(bytes: bytes, source: "<fuzz>", options: fuzzDecodeOptions) else { return 0 }
    let threshold = UInt8(truncatingIfNeeded: count &* 37)
    let inverted = count & 1 == 1
    let pixels = image.width * image.height

    let mask = Mask(image: image, threshold: threshold, inverted: inverted)
    invariant(mask.width == image.width && mask.height == image.height && mask.isHole.count == pixels, "mask size")
    invariant((0...1).contains(mask.holeFraction), "hole fraction \(mask.holeFraction)")
    do { try mask.checkSize(matches: image, source: "<fuzz mask>") } catch { invariant(false, "same-size check threw \(error)") }
    if let other = try? Image(width: image.width + 1, height: image.height, layout: .gray) {
        do {
            try mask.checkSize(matches: other, source: "<fuzz mask>")
            invariant(false, "a mismatched size passed the check")
        } catch {
            guard case .maskSizeMismatch = error else { invariant(false, "wrong error \(error)"); return 0 }
        }
    }
    // The mask's own image reads back as the same mask.
    invariant(Mask(image: mask.image) == mask, "mask image round trip")

    do {
        let alpha = try Mask(alphaOf: image, threshold: threshold, source: "<fuzz>")
        invariant(image.layout.hasAlpha && alpha.isHole.count == pixels, "alpha mask from an image without alpha")
    } catch {
        invariant(!image.layout.hasAlpha, "alpha mask refused for an image with alpha: \(error)")
    }

    let job = InpaintJob(threshold: threshold, invertMask: inverted)
    do {
        let loaded = try job.loadMask(.alpha, for: image, imagePath: "<fuzz>")
        invariant(loaded.holeCount > 0 && loaded.holeCount < pixels, "loadMask accepted an empty or full mask")
    } catch is ImageIOError {
    } catch is InpaintFileError {
    } catch {
        invariant(false, "untyped error \(error)")
    }
    return 0
}
