/// A strict RFC 8259 tokenizer over UTF-8 bytes: no comments, no trailing commas, no leading
/// zeros, no bare `NaN`; strings are validated as UTF-8 and unescaped only when they hold escapes.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    /// The unescaped bytes of the last string that held escapes.
    var unescaped: [UInt8] = []

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A string token: its raw bytes in the input, or (when it held escapes) in `unescaped`.
    enum StringToken {
        case raw(Range<Int>)
        case unescaped
    }

    /// A number token's text and whether it had a fraction or exponent.
    struct NumberToken {
        var range: Range<Int>
        var isInteger: Bool
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next non-space byte, without consuming it; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Consumes `byte` if it is next; returns whether it was.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        if peek() == byte {
            position += 1
            return true
        }
        return false
    }

    mutating func expect(_ byte: UInt8) throws(CodecError) {
        guard consume(byte) else { throw unexpected(expecting: "'\(Character(Unicode.Scalar(byte)))'") }
    }

    /// An error naming what came instead of what was expected.
    func unexpected(expecting what: String) -> CodecError {
        guard position < bytes.count else { return CodecError("unexpected end of JSON, expected \(what)") }
        return CodecError("invalid JSON at offset \(position): expected \(what)")
    }

    /// Consumes the literal `null` if it is next.
    mutating func consumeNull() -> Bool { consumeLiteral("null") }

    mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        guard peek() != nil else { return false }
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { return false }
        let matches = literal.withUTF8Buffer { text in
            (0..<count).allSatisfy { bytes[position + $0] == text[$0] }
        }
        guard matches else { return false }
        if position + count < bytes.count, Self.isIdentifierByte(bytes[position + count]) { return false }
        position += count
        return true
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_")
    }

    /// Reads a string token; the opening quote must be next.
    mutating func readString() throws(CodecError) -> StringToken {
        guard peek() == UInt8(ascii: "\"") else { throw unexpected(expecting: "a string") }
        position += 1
        let start = position
        var hasEscapes = false
        var hasNonASCII = false
        while true {
            while bytes.count - position >= 8,
                !SWAR.hasSpecialByte(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)))
            {
                position += 8
            }
            guard position < bytes.count else { throw CodecError("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 2
                continue
            }
            if byte < 0x20 { throw CodecError("control character in string at offset \(position)") }
            if byte >= 0x80 { hasNonASCII = true }
            position += 1
        }
        let end = position
        position += 1
        guard end <= bytes.count else { throw CodecError("unterminated string") }
        if hasNonASCII, !UTF8Validation.isValid(bytes, start..<end) {
            throw CodecError("invalid UTF-8 in string")
        }
        if !hasEscapes { return .raw(start..<end) }
        try unescape(start..<end)
        return .unescaped
    }

    /// Runs `body` over the bytes of a string token.
    @inline(__always)
    func withBytes<R, E: Error>(of token: StringToken, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch token {
        case .raw(let range): try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .unescaped: try unescaped.withBytes(body)
        }
    }

    /// The string token as a Swift `String`.
    func string(of token: StringToken) -> String {
        switch token {
        case .raw(let range): String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .unescaped: String(decoding: unescaped, as: UTF8.self)
        }
    }

    private mutating func unescape(_ range: Range<Int>) throws(CodecError) {
        unescaped.removeAll(keepingCapacity: true)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                unescaped.append(byte)
                index += 1
                continue
            }
            guard index + 1 < range.upperBound else { throw CodecError("invalid escape in string") }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
            case UInt8(ascii: "b"): unescaped.append(0x08)
            case UInt8(ascii: "f"): unescaped.append(0x0C)
            case UInt8(ascii: "n"): unescaped.append(0x0A)
            case UInt8(ascii: "r"): unescaped.append(0x0D)
            case UInt8(ascii: "t"): unescaped.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: index, end: range.upperBound)
                index += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard index + 6 <= range.upperBound, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw CodecError("unpaired surrogate in string") }
                    let low = try hex4(at: index + 2, end: range.upperBound)
                    guard low >= 0xDC00 && low < 0xE000 else { throw CodecError("unpaired surrogate in string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw CodecError("unpaired surrogate in string")
                }
                appendUTF8(scalar)
            default:
                throw CodecError("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in string")
            }
        }
    }

    private func hex4(at index: Int, end: Int) throws(CodecError) -> UInt32 {
        guard index + 4 <= end else { throw CodecError("invalid \\u escape in string") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw CodecError("invalid \\u escape in string")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            unescaped.append(UInt8(scalar))
        case ..<0x800:
            unescaped.append(UInt8(0xC0 | scalar >> 6))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            unescaped.append(UInt8(0xE0 | scalar >> 12))
            unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        default:
            unescaped.append(UInt8(0xF0 | scalar >> 18))
            unescaped.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Reads a number token, checking the JSON number grammar.
    mutating func readNumber() throws(CodecError) -> NumberToken {
        skipWhitespace()
        guard let token = JSONNumber.scan(bytes, from: position) else {
            throw unexpected(expecting: "a value")
        }
        position = token.range.upperBound
        return token
    }

    /// Skips one value of any type, checking its syntax; it may hold at most `depth` levels of
    /// objects and arrays.
    mutating func skipValue(depth: Int) throws(CodecError) {
        switch peek() {
        case UInt8(ascii: "{"):
            guard depth > 0 else { throw CodecError("JSON nesting exceeds the depth limit") }
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try readString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth - 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard depth > 0 else { throw CodecError("JSON nesting exceeds the depth limit") }
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth - 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            _ = try readString()
        default:
            if consumeLiteral("true") || consumeLiteral("false") || consumeNull() { return }
            _ = try readNumber()
        }
    }
}
