/// EXIF orientation: how a stored image must be turned to stand upright (TIFF tag 0x0112).
public enum Orientation: Int, Sendable, CaseIterable, Codable {
    /// Stored upright.
    case up = 1
    /// Mirrored left-right.
    case upMirrored = 2
    /// Turned 180 degrees.
    case down = 3
    /// Mirrored top-bottom.
    case downMirrored = 4
    /// Mirrored along the main diagonal (rows become columns).
    case leftMirrored = 5
    /// Needs a 90-degree clockwise turn.
    case right = 6
    /// Mirrored along the anti-diagonal.
    case rightMirrored = 7
    /// Needs a 90-degree counter-clockwise turn.
    case left = 8

    /// Whether upright width and height are the stored height and width.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// The orientation stored in a file's EXIF data (JPEG APP1 "Exif" segment or PNG eXIf chunk),
    /// or `.up` when there is none or it cannot be read.
    public static func read(from bytes: [UInt8]) -> Orientation {
        let tiff: ArraySlice<UInt8>?
        switch ImageFormat.detect(bytes) {
        case .jpeg: tiff = jpegExif(bytes)
        case .png: tiff = pngExif(bytes)
        case nil: tiff = nil
        }
        guard let tiff, let value = tiffOrientation(tiff) else { return .up }
        return Orientation(rawValue: value) ?? .up
    }

    /// Walks JPEG markers up to the first SOS and returns the TIFF data of an APP1 Exif segment.
    private static func jpegExif(_ b: [UInt8]) -> ArraySlice<UInt8>? {
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xFF { i += 1; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            let body = b[(i + 4)..<(i + 2 + length)]
            if marker == 0xE1, body.count > 6, Array(body.prefix(6)) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return body.dropFirst(6)
            }
            i += 2 + length
        }
        return nil
    }

    /// Walks PNG chunks and returns the body of an eXIf chunk.
    private static func pngExif(_ b: [UInt8]) -> ArraySlice<UInt8>? {
        var i = 8
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            let type = b[(i + 4)..<(i + 8)]
            guard length >= 0, length <= b.count - i - 12 else { return nil }
            if Array(type) == Array("eXIf".utf8) { return b[(i + 8)..<(i + 8 + length)] }
            if Array(type) == Array("IEND".utf8) { return nil }
            i += 12 + length
        }
        return nil
    }

    /// Reads tag 0x0112 (a SHORT) from IFD0 of TIFF-structured EXIF data, bounds-checked.
    private static func tiffOrientation(_ t: ArraySlice<UInt8>) -> Int? {
        let d = Array(t)
        guard d.count >= 8 else { return nil }
        let little: Bool
        switch (d[0], d[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= d.count else { return nil }
            return little ? Int(d[at]) | Int(d[at + 1]) << 8 : Int(d[at]) << 8 | Int(d[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard u16(at + 2) == 3, let value = u16(at + 8) else { return nil }
                return value
            }
        }
        return nil
    }

    /// A minimal EXIF APP1 body (with the "Exif\0\0" prefix) holding only this orientation,
    /// for writing into a JPEG.
    public var exifSegment: [UInt8] {
        let v = UInt8(rawValue)
        return [0x45, 0x78, 0x69, 0x66, 0, 0,           // "Exif\0\0"
                0x4D, 0x4D, 0, 42, 0, 0, 0, 8,           // big-endian TIFF header, IFD0 at 8
                0, 1,                                     // one entry
                0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, v, 0, 0, // orientation, SHORT, count 1, value
                0, 0, 0, 0]                               // no next IFD
    }
}

extension Image {
    /// The image turned and mirrored so that an image stored with `orientation` stands upright.
    public func applying(_ orientation: Orientation) -> Image {
        if orientation == .up { return self }
        let w = width, h = height, c = channelCount
        let (outW, outH) = orientation.swapsAxes ? (h, w) : (w, h)
        var out = [UInt16](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    for x in 0..<outW {
                        // (sx, sy): the stored pixel shown at upright (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, h - 1 - x)
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .left: (sx, sy) = (w - 1 - y, x)
                        }
                        let s = (sy * w + sx) * c, o = (y * outW + x) * c
                        for k in 0..<c { dst[o + k] = src[s + k] }
                    }
                }
            }
        }
        return Image(unchecked: outW, height: outH, layout: layout, sampleType: sampleType, samples: out)
    }
}
