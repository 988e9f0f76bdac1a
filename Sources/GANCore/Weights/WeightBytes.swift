// Byte-level helpers shared by the weight-file readers and writers: bounds-checked
// little-endian loads, float format conversions, element decoding/encoding, CRC-32.

/// Bit-exact conversions between `Float` and the 16-bit float formats.
enum WeightHalfConversion {
    /// IEEE binary16 bits -> Float (exact).
    static func floatFromHalfBits(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let magnitude = Float(mant) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// Float -> IEEE binary16 bits, round to nearest, ties to even; overflow gives infinity,
    /// NaN stays a (quiet) NaN with its sign.
    static func halfBits(from f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exp = Int((x >> 23) & 0xFF)
        let mant = x & 0x7F_FFFF
        if exp == 0xFF {
            if mant == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mant >> 13)
        }
        if exp == 0 { return sign }  // zero or float subnormal (far below half's range)
        let e = exp - 127 + 15
        if e >= 1 {
            var h = (UInt32(e) << 10) | (mant >> 13)
            let rem = mant & 0x1FFF
            if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) { h += 1 }
            if h >= 0x7C00 { return sign | 0x7C00 }
            return sign | UInt16(h)
        }
        let shift = 14 - e  // >= 14
        if shift > 24 { return sign }
        let full = mant | 0x80_0000
        var m = full >> UInt32(shift)
        let rem = full & ((1 << UInt32(shift)) - 1)
        let half: UInt32 = 1 << UInt32(shift - 1)
        if rem > half || (rem == half && (m & 1) == 1) { m += 1 }
        return sign | UInt16(m)
    }

    /// bfloat16 bits -> Float (exact).
    static func floatFromBF16Bits(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Float -> bfloat16 bits, round to nearest, ties to even; NaN stays a quiet NaN.
    static func bf16Bits(from f: Float) -> UInt16 {
        let x = f.bitPattern
        if f.isNaN { return UInt16(truncatingIfNeeded: x >> 16) | 0x0040 }
        let rounded = x &+ 0x7FFF &+ ((x >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}

/// Bounds-checked little-endian reads from a byte array; `nil` when out of range.
extension Array where Element == UInt8 {
    @inline(__always)
    func weightLE<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var v: T = 0
        for i in 0..<size { v |= T(truncatingIfNeeded: self[offset + i]) << (8 * i) }
        return v
    }
}

/// Conversion of raw little-endian element bytes to and from `Float`.
enum WeightElementCodec {
    /// Decodes `count` elements of `dtype` starting at element `first` of `raw`.
    /// The caller guarantees `(first + count) * dtype.byteSize <= raw.count`.
    static func decode(_ raw: UnsafeRawBufferPointer, dtype: WeightDType, first: Int, count: Int) -> [Float] {
        let s = dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { out, n in
            let base = first * s
            switch dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 4, as: UInt32.self))) }
            case .f16:
                for i in 0..<count { out[i] = WeightHalfConversion.floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 2, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count { out[i] = WeightHalfConversion.floatFromBF16Bits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 2, as: UInt16.self))) }
            case .f64:
                for i in 0..<count { out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 8, as: UInt64.self)))) }
            case .i64:
                for i in 0..<count { out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 8, as: Int64.self))) }
            case .i32:
                for i in 0..<count { out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 4, as: Int32.self))) }
            case .i16:
                for i in 0..<count { out[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * 2, as: Int16.self))) }
            case .i8:
                for i in 0..<count { out[i] = Float(Int8(bitPattern: raw[base + i])) }
            case .u8:
                for i in 0..<count { out[i] = Float(raw[base + i]) }
            case .bool:
                for i in 0..<count { out[i] = raw[base + i] != 0 ? 1 : 0 }
            }
            n = count
        }
    }

    /// Decodes the elements at the given element indices of `raw` (each index in range).
    static func gather(_ raw: UnsafeRawBufferPointer, dtype: WeightDType, indices: [Int]) -> [Float] {
        let load: (Int) -> Float
        switch dtype {
        case .f32: load = { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        case .f16: load = { WeightHalfConversion.floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        case .bf16: load = { WeightHalfConversion.floatFromBF16Bits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        case .f64: load = { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
        case .i64: load = { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        case .i32: load = { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        case .i16: load = { Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) }
        case .i8: load = { Float(Int8(bitPattern: raw[$0])) }
        case .u8: load = { Float(raw[$0]) }
        case .bool: load = { raw[$0] != 0 ? 1 : 0 }
        }
        return indices.map(load)
    }

    /// Appends `values` encoded as `dtype` to `out`. Integer and boolean dtypes require
    /// integral, in-range values; the failure message is returned instead of thrown.
    static func encode(_ values: [Float], as dtype: WeightDType, into out: inout [UInt8]) -> String? {
        func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        out.reserveCapacity(out.count + values.count * dtype.byteSize)
        switch dtype {
        case .f32: for v in values { put(v.bitPattern) }
        case .f16: for v in values { put(WeightHalfConversion.halfBits(from: v)) }
        case .bf16: for v in values { put(WeightHalfConversion.bf16Bits(from: v)) }
        case .f64: for v in values { put(Double(v).bitPattern) }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            for v in values {
                guard let i = Int64(exactly: v) else { return "value \(v) is not an integer representable as \(dtype.rawValue)" }
                switch dtype {
                case .i64: put(i)
                case .i32: guard let x = Int32(exactly: i) else { return "value \(v) out of range for I32" }; put(x)
                case .i16: guard let x = Int16(exactly: i) else { return "value \(v) out of range for I16" }; put(x)
                case .i8: guard let x = Int8(exactly: i) else { return "value \(v) out of range for I8" }; put(x)
                case .u8: guard let x = UInt8(exactly: i) else { return "value \(v) out of range for U8" }; put(x)
                default: guard i == 0 || i == 1 else { return "value \(v) is not a boolean (0 or 1)" }; put(UInt8(i))
                }
            }
        }
        return nil
    }
}

/// CRC-32 (IEEE 802.3, as used by zip).
enum WeightCRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1) }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
