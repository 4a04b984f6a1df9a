/// The JSON number grammar and the conversions of number text to protobuf's numeric types,
/// shared by bare numbers and by numbers quoted as strings.
enum JSONNumber {
    /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `start`; nil when the
    /// bytes there are not a number.
    static func scan(_ bytes: UnsafeRawBufferPointer, from start: Int) -> JSONScanner.NumberToken? {
        var index = start
        let end = bytes.count
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < end && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { return nil }  // leading zero
        } else {
            while isDigit(index) { index += 1 }
        }
        var isInteger = true
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
            isInteger = false
        }
        if index < end && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
            isInteger = false
        }
        if index < end, bytes[index] >= 0x80 || (bytes[index] | 0x20) >= UInt8(ascii: "a") && (bytes[index] | 0x20) <= UInt8(ascii: "z") {
            return nil  // `1x`, `1true`
        }
        return JSONScanner.NumberToken(range: start..<index, isInteger: isInteger)
    }

    /// Scans `text` as a whole number token; nil if anything else is in it.
    static func scanWhole(_ text: UnsafeRawBufferPointer) -> JSONScanner.NumberToken? {
        guard let token = scan(text, from: 0), token.range.upperBound == text.count else { return nil }
        return token
    }

    /// The integer a token denotes, as sign and magnitude; exponent and fraction forms are
    /// accepted when their value is integral. Nil when it is not an integer or out of 64 bits.
    static func integer(_ bytes: UnsafeRawBufferPointer, _ token: JSONScanner.NumberToken)
        -> (negative: Bool, magnitude: UInt64)?
    {
        var index = token.range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        if token.isInteger {
            var magnitude: UInt64 = 0
            while index < token.range.upperBound {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - 0x30))
                if overflow1 || overflow2 { return nil }
                magnitude = sum
                index += 1
            }
            return (negative, magnitude)
        }
        guard let value = double(bytes, token), value.isFinite, value == value.rounded() else { return nil }
        guard value.magnitude < 18_446_744_073_709_551_616.0 else { return nil }
        return (value < 0, UInt64(value.magnitude))
    }

    /// The double nearest to a token's value (infinite when it overflows).
    static func double(_ bytes: UnsafeRawBufferPointer, _ token: JSONScanner.NumberToken) -> Double? {
        if token.isInteger, token.range.count <= 16 {
            // Up to 15 digits (and a sign) convert exactly.
            var index = token.range.lowerBound
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var value: UInt64 = 0
            while index < token.range.upperBound {
                value = value * 10 + UInt64(bytes[index] - 0x30)
                index += 1
            }
            return negative ? -Double(value) : Double(value)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
        return Double(text)
    }

    /// Checks a sign and magnitude against the range of an integer kind, returning the value as
    /// the 64-bit pattern it is written with.
    static func fit(_ value: (negative: Bool, magnitude: UInt64), signed: Bool, bits: Int) -> UInt64? {
        if signed {
            let limit: UInt64 = bits == 32 ? 1 << 31 : 1 << 63
            if value.negative {
                guard value.magnitude <= limit else { return nil }
                return UInt64(bitPattern: 0 &- Int64(bitPattern: value.magnitude))
            }
            guard value.magnitude < limit else { return nil }
            return value.magnitude
        }
        if value.negative { return value.magnitude == 0 ? 0 : nil }
        guard bits == 64 || value.magnitude <= UInt64(UInt32.max) else { return nil }
        return value.magnitude
    }
}
