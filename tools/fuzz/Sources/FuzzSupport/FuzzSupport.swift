// What every fuzz target shares: the input as bytes, the decode limits, and a failure that
// libFuzzer records as a crash (with the input saved) when an invariant does not hold.
import GANImageIO

/// The libFuzzer input as an array.
public func fuzzBytes(_ start: UnsafeRawPointer, _ count: Int) -> [UInt8] {
    count == 0 ? [] : Array(UnsafeRawBufferPointer(start: start, count: count))
}

/// Decode limits for the image and mask targets. The library default (100 megapixels) needs up
/// to 1.6 GB for one 16-bit RGBA image, and seconds to decode it, far over the 512 MB and 1 s a
/// fuzz input may use; so the targets refuse images over 1 megapixel (1024 x 1024) before
/// allocating, through the library's own `DecodeOptions.maxPixels` (the same check, another
/// value). At 4 megapixels a 319-byte arithmetic-coded JPEG of 227 x 16277 pixels (legal: the
/// coder pads missing data with zeros) took just over 1 s here under ASan, decoded twice.
public let fuzzDecodeOptions = DecodeOptions(maxPixels: 1 << 20)

/// Stops the process with `message` (a trap: libFuzzer saves the input as a crash).
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant failed: \(message())", file: file, line: line) }
}
