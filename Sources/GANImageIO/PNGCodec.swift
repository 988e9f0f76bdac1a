import CPNG

/// libpng through the CPNG shim: decode any PNG layout, encode 8 and 16 bit gray/RGB/RGBA.
enum PNGCodec {
    static func header(_ bytes: [UInt8], source: String) throws(ImageIOError) -> gk_png_info {
        var info = gk_png_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { gk_png_read_info($0.baseAddress, $0.count, &info, &message, message.count) }
        guard status == 0 else { throw .corrupt(source: source, format: .png, detail: messageText(message)) }
        return info
    }

    static func decode(_ bytes: [UInt8], source: String, options: DecodeOptions) throws(ImageIOError) -> Image {
        let info = try header(bytes, source: source)
        let pixels = Int(info.width) * Int(info.height)
        guard pixels <= options.maxPixels else {
            throw .tooLarge(source: source, width: Int(info.width), height: Int(info.height), limit: options.maxPixels)
        }
        let channels = Int(info.channels), sampleBytes = Int(info.sample_bytes)
        var raw = [UInt8](repeating: 0, count: pixels * channels * sampleBytes)
        var decoded = gk_png_info()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { input in
            raw.withUnsafeMutableBufferPointer { output in
                gk_png_decode(input.baseAddress, input.count, UInt64(options.maxPixels), &decoded,
                              output.baseAddress, output.count, &message, message.count)
            }
        }
        guard status == 0 else { throw .corrupt(source: source, format: .png, detail: messageText(message)) }
        let samples: [UInt16] = sampleBytes == 1
            ? raw.map(UInt16.init)
            : raw.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        return Image(unchecked: Int(info.width), height: Int(info.height), layout: ChannelLayout(channelCount: channels)!,
                     sampleType: sampleBytes == 1 ? .uint8 : .uint16, samples: samples)
    }

    static func encode(_ image: Image, compressionLevel: Int) throws(ImageIOError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32
        if image.sampleType == .uint8 {
            let bytes = image.samples.map { UInt8(truncatingIfNeeded: $0) }
            status = bytes.withUnsafeBufferPointer {
                gk_png_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channelCount), 1,
                              Int32(compressionLevel), &out, &size, &message, message.count)
            }
        } else {
            status = image.samples.withUnsafeBytes {
                gk_png_encode($0.bindMemory(to: UInt8.self).baseAddress, UInt32(image.width), UInt32(image.height),
                              Int32(image.channelCount), 2, Int32(compressionLevel), &out, &size, &message, message.count)
            }
        }
        guard status == 0, let out else { throw .cannotEncode(format: .png, detail: messageText(message)) }
        defer { gk_png_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
