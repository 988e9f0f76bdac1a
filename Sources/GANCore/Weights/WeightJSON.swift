// A small, strict JSON reader/writer for safetensors headers: order-preserving objects,
// duplicate keys rejected, nesting depth limited, numbers kept as their source text.

/// A parsed JSON value.
indirect enum WeightJSONValue {
    case null
    case bool(Bool)
    /// The number's literal text, validated against the JSON grammar.
    case number(String)
    case string(String)
    case array([WeightJSONValue])
    /// Members in source order (keys are unique).
    case object([WeightJSONMember])

    /// A short name of the value's kind for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value as a non-negative integer that fits in `UInt64`, if it is one.
    var unsignedInteger: UInt64? {
        guard case let .number(text) = self, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}

/// One member of a JSON object.
struct WeightJSONMember {
    var key: String
    var value: WeightJSONValue
}

/// A JSON syntax error with the byte offset where it was found.
struct WeightJSONError: Error {
    var offset: Int
    var message: String
}

/// Recursive-descent JSON parser over UTF-8 bytes.
struct WeightJSONParser {
    static let maxDepth = 64
    private let bytes: [UInt8]
    private var pos: Int
    private let end: Int

    /// Parses exactly one JSON value from `bytes[range]`, allowing surrounding whitespace.
    static func parse(_ bytes: [UInt8], range: Range<Int>) throws(WeightJSONError) -> WeightJSONValue {
        var p = WeightJSONParser(bytes: bytes, pos: range.lowerBound, end: range.upperBound)
        p.skipWhitespace()
        let v = try p.value(depth: 0)
        p.skipWhitespace()
        guard p.pos == p.end else { throw WeightJSONError(offset: p.pos, message: "unexpected trailing data") }
        return v
    }

    private init(bytes: [UInt8], pos: Int, end: Int) {
        self.bytes = bytes
        self.pos = pos
        self.end = end
    }

    private mutating func skipWhitespace() {
        while pos < end, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 { pos += 1 }
    }

    private func fail(_ message: String) -> WeightJSONError { WeightJSONError(offset: pos, message: message) }

    private mutating func value(depth: Int) throws(WeightJSONError) -> WeightJSONValue {
        guard depth < WeightJSONParser.maxDepth else { throw fail("nesting deeper than \(WeightJSONParser.maxDepth)") }
        guard pos < end else { throw fail("unexpected end of header") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var members: [WeightJSONMember] = []
            var seen = Set<String>()
            skipWhitespace()
            if pos < end, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard pos < end, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                guard seen.insert(key).inserted else { throw fail("duplicate key \"\(key)\"") }
                skipWhitespace()
                guard pos < end, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1
                skipWhitespace()
                members.append(WeightJSONMember(key: key, value: try value(depth: depth + 1)))
                skipWhitespace()
                guard pos < end else { throw fail("unterminated object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [WeightJSONValue] = []
            skipWhitespace()
            if pos < end, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard pos < end else { throw fail("unterminated array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw fail("unexpected character 0x\(String(bytes[pos], radix: 16))")
        }
    }

    private mutating func literal(_ word: String) throws(WeightJSONError) {
        for b in word.utf8 {
            guard pos < end, bytes[pos] == b else { throw fail("invalid literal, expected \(word)") }
            pos += 1
        }
    }

    private mutating func digits() -> Int {
        let start = pos
        while pos < end, bytes[pos] >= 0x30, bytes[pos] <= 0x39 { pos += 1 }
        return pos - start
    }

    private mutating func number() throws(WeightJSONError) -> String {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end else { throw fail("invalid number") }
        if bytes[pos] == UInt8(ascii: "0") { pos += 1 } else if digits() == 0 { throw fail("invalid number") }
        if pos < end, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw fail("invalid number fraction") }
        }
        if pos < end, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw fail("invalid number exponent") }
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    private mutating func hex4() throws(WeightJSONError) -> UInt32 {
        guard pos + 4 <= end else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func string() throws(WeightJSONError) -> String {
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard pos < end else { throw fail("unterminated string") }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < end else { throw fail("unterminated escape") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard pos + 2 <= end, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                    pos += 2
                    let low = try hex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw fail("unpaired surrogate")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid code point") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw fail("invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }
}

/// JSON text generation.
enum WeightJSONWriter {
    /// `s` as a JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
