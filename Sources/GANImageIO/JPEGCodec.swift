import CJPEG

/// libjpeg-turbo through the CJPEG shim: decode baseline, progressive, gray, CMYK/YCCK, restart
/// markers; encode 8-bit gray or RGB at a quality.
enum JPEGCodec {
    static func header(_ bytes: [UInt8], source: String) throws(ImageIOError) -> gk_jpeg_info {
        var info = gk_jpeg_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { gk_jpeg_read_info($0.baseAddress, $0.count, &info, &message, message.count) }
        guard status == 0 else { throw failure(messageText(message), source: source) }
        return info
    }

    static func decode(_ bytes: [UInt8], source: String, options: DecodeOptions) throws(ImageIOError) -> Image {
        let info = try header(bytes, source: source)
        let pixels = Int(info.width) * Int(info.height)
        guard pixels <= options.maxPixels else {
            throw .tooLarge(source: source, width: Int(info.width), height: Int(info.height), limit: options.maxPixels)
        }
        let channels = Int(info.channels)
        var raw = [UInt8](repeating: 0, count: pixels * channels)
        var decoded = gk_jpeg_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { input in
            raw.withUnsafeMutableBufferPointer { output in
                gk_jpeg_decode(input.baseAddress, input.count, UInt64(options.maxPixels), Int32(options.maxProgressiveScans),
                               &decoded, output.baseAddress, output.count, &message, message.count)
            }
        }
        guard status == 0 else { throw failure(messageText(message), source: source) }
        return Image(unchecked: Int(info.width), height: Int(info.height), layout: channels == 1 ? .gray : .rgb,
                     sampleType: .uint8, samples: raw.map(UInt16.init))
    }

    /// Encodes gray or RGB; alpha is dropped (JPEG has none) and 16-bit samples are rounded to 8.
    static func encode(_ image: Image, quality: Int, app1: [UInt8]?) throws(ImageIOError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw .invalidArgument("JPEG quality must be 1...100, got \(quality)") }
        let opaque = image.converted(to: .uint8).converted(to: image.layout.withAlpha(false))
        let bytes = opaque.samples.map { UInt8(truncatingIfNeeded: $0) }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let marker = app1 ?? []
        let status = bytes.withUnsafeBufferPointer { pixels in
            marker.withUnsafeBufferPointer { app1 in
                gk_jpeg_encode(pixels.baseAddress, UInt32(opaque.width), UInt32(opaque.height), Int32(opaque.channelCount),
                               Int32(quality), app1.baseAddress, app1.count, &out, &size, &message, message.count)
            }
        }
        guard status == 0, let out else { throw .cannotEncode(format: .jpeg, detail: messageText(message)) }
        defer { gk_jpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// libjpeg words "Unsupported ..." for valid files it cannot decode (12-bit, lossless).
    private static func failure(_ message: String, source: String) -> ImageIOError {
        if message.hasPrefix("Unsupported") || message.contains("not supported") || message.contains("Requested features") {
            return .unsupported(source: source, format: .jpeg, detail: message)
        }
        return .corrupt(source: source, format: .jpeg, detail: message)
    }
}
