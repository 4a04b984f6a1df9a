/// Appending JSON tokens to a byte buffer.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    mutating func appendDecimal(_ value: UInt64) {
        if value < 10 {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        Swift.withUnsafeMutableBytes(of: &digits) { scratch in
            var value = value
            var index = scratch.count
            while value > 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[index...]))
        }
    }

    mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(value.magnitude)
        } else {
            appendDecimal(UInt64(value))
        }
    }

    /// A finite double in its shortest round-trip form; NaN and infinities as the quoted
    /// strings the JSON mapping uses.
    mutating func appendJSONDouble(_ value: Double) {
        if value.isNaN { return appendASCII("\"NaN\"") }
        if value.isInfinite { return value < 0 ? appendASCII("\"-Infinity\"") : appendASCII("\"Infinity\"") }
        if value == value.rounded(.towardZero), value.magnitude < 1e15 {
            if value == 0 && value.sign == .minus { return appendASCII("-0.0") }
            return appendDecimal(Int64(value))
        }
        append(contentsOf: value.description.utf8)
    }

    /// A float in the shortest form that reads back as the same float.
    mutating func appendJSONFloat(_ value: Float) {
        if value.isNaN || value.isInfinite { return appendJSONDouble(Double(value)) }
        if value == value.rounded(.towardZero), value.magnitude < 1e7 {
            if value == 0 && value.sign == .minus { return appendASCII("-0.0") }
            return appendDecimal(Int64(value))
        }
        append(contentsOf: value.description.utf8)
    }

    /// A JSON string of already-validated UTF-8 bytes, escaping what JSON requires.
    mutating func appendJSONString(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        append(UInt8(ascii: "\""))
        var runStart = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            if range.upperBound - index >= 8,
                !SWAR.hasSpecialByte(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            {
                index += 8
                continue
            }
            let byte = bytes[index]
            index += 1
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<(index - 1)]))
            runStart = index
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"")
            case UInt8(ascii: "\\"): appendASCII("\\\\")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            default:
                appendASCII("\\u00")
                append(Self.hexDigit(byte >> 4))
                append(Self.hexDigit(byte & 0xF))
            }
        }
        append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<range.upperBound]))
        append(UInt8(ascii: "\""))
    }

    /// A JSON string of a Swift string.
    mutating func appendJSONString(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            appendJSONString(raw, 0..<raw.count)
        }
        if done == nil {
            var copy = text
            copy.withUTF8 { utf8 in
                let raw = UnsafeRawBufferPointer(utf8)
                appendJSONString(raw, 0..<raw.count)
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
