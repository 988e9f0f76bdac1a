// What every fuzz target shares: the input as bytes, the decode limits, and a failure that
// libFuzzer records as a crash (with the input saved) when an invariant does not hold.
import GANImageIO

/// The libFuzzer input as an array.
public func fuzzBytes(_ start: UnsafeRawPointer, _ count: Int) -> [UInt8] {
    count == 0 ? [] : Array(UnsafeRawBufferPointer(start: start, count: count))
}

/// Decode limits for the image and mask targets. The library default (100 megapixels) needs up
/// to 800 MB of samples for one 16-bit RGBA image, more than the 512 MB a fuzz input may use, so
/// the targets refuse images over 4 megapixels (2048 x 2048) before allocating, through the
/// library's own `DecodeOptions.maxPixels`. What this exercises is the same limit check.
public let fuzzDecodeOptions = DecodeOptions(maxPixels: 4_194_304)

/// Stops the process with `message` (a trap: libFuzzer saves the input as a crash).
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant failed: \(message())", file: file, line: line) }
}
