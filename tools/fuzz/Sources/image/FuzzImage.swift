// Fuzz target `image`: bytes -> Image(bytes:), PNG or JPEG by content, EXIF orientation applied.
// Success or a typed ImageIOError are both fine; a trap, a sanitizer report, a leak, a timeout
// or an out-of-memory is a finding.
import FuzzSupport
import GANImageIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let info = try? ImageInfo(bytes: bytes)
    let image: Image
    do { image = try Image(bytes: bytes, source: "<fuzz>", options: fuzzDecodeOptions) } catch { return 0 }

    // A decoded image agrees with its header and its orientation.
    invariant(image.samples.count == image.width * image.height * image.channelCount, "sample count")
    guard let info else { invariant(false, "decoded, but the header could not be read"); return 0 }
    let upright = info.uprightSize
    invariant(upright.width == image.width && upright.height == image.height,
              "header says \(upright) upright, decoded \(image.width)x\(image.height)")
    invariant(info.channels == image.channelCount, "header says \(info.channels) channels, decoded \(image.channelCount)")
    if image.sampleType == .uint8 { invariant(image.samples.allSatisfy { $0 <= 255 }, "8-bit sample over 255") }

    // The stored (unrotated) decode turned by the orientation is the upright decode.
    var stored = fuzzDecodeOptions
    stored.appliesOrientation = false
    if let raw = try? Image(bytes: bytes, source: "<fuzz>", options: stored) {
        invariant(raw.applying(info.orientation) == image, "orientation applied twice or not at all")
    } else {
        invariant(false, "decodes with orientation but not without")
    }

    // Small images go through the encoders: PNG is lossless, JPEG must encode whatever decoded.
    if image.width * image.height <= 65_536 {
        do {
            let png = try image.encoded(as: .png)
            let back = try Image(bytes: png, options: fuzzDecodeOptions)
            invariant(back == image, "PNG round trip changed the pixels")
            _ = try image.encoded(as: .jpeg, quality: 75, orientation: info.orientation)
        } catch {
            invariant(false, "re-encoding a decoded image failed: \(error)")
        }
    }
    return 0
}
