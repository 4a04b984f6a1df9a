import ProtoSchema

/// Reading the scalar JSON values: numbers in either JSON form, bools and enums.
extension JSONToBinary {
    /// Reads a numeric, bool or enum value and returns the bits it is written with; nil for
    /// an unknown enum name that the options say to skip.
    mutating func readScalarBits(_ field: FieldDescriptor) throws(CodecError) -> UInt64? {
        let kind = field.kind
        switch kind {
        case .bool:
            if scanner.consumeLiteral("true") { return 1 }
            if scanner.consumeLiteral("false") { return 0 }
            throw mismatch(expected: "boolean")
        case .enumeration:
            return try readEnum(pool.enums[field.enumIndex])
        case .double:
            return try readDouble(kind).bitPattern
        case .float:
            return UInt64(Float(try readDouble(kind)).bitPattern)
        default:
            let start = scanner.valueStart()
            guard let bits = Self.integerBits(try readInteger(), kind) else {
                throw CodecError("\(scanner.snippet(at: start)) is out of range for \(kind)")
            }
            return bits
        }
    }

    /// Reads an integer written as a number or as a string holding a number; nil for a whole
    /// number beyond 64 bits, which the caller reports as out of range.
    private mutating func readInteger() throws(CodecError) -> (negative: Bool, magnitude: UInt64)? {
        let start = scanner.valueStart()
        let value: (negative: Bool, magnitude: UInt64)?
        var tooLarge = false
        if scanner.peek() == UInt8(ascii: "\"") {
            let token = try scanner.readString()
            value = scanner.withBytes(of: token) { text in
                guard let number = JSONNumber.scanWhole(text) else { return nil }
                let integer = JSONNumber.integer(text, number)
                tooLarge = integer == nil && Self.isWholeBeyond64Bits(text, number)
                return integer
            }
        } else if scanner.peek().map({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) }) == true {
            let token = try scanner.readNumber()
            value = JSONNumber.integer(scanner.bytes, token)
            tooLarge = value == nil && Self.isWholeBeyond64Bits(scanner.bytes, token)
        } else {
            throw mismatch(expected: "integer")
        }
        if tooLarge { return nil }
        guard let value else { throw CodecError("expected integer, got \(scanner.snippet(at: start))") }
        return value
    }

    private static func isWholeBeyond64Bits(_ bytes: UnsafeRawBufferPointer, _ token: JSONScanner.NumberToken) -> Bool {
        guard let value = JSONNumber.double(bytes, token) else { return false }
        return value.isInfinite || (value == value.rounded() && value.magnitude >= 0x1p63)
    }

    /// The bits of an integer in the encoding of an integer kind, or nil when out of range.
    static func integerBits(_ value: (negative: Bool, magnitude: UInt64)?, _ kind: FieldKind) -> UInt64? {
        guard let value else { return nil }
        switch kind {
        case .int32, .sfixed32, .enumeration: return JSONNumber.fit(value, signed: true, bits: 32)
        case .int64, .sfixed64: return JSONNumber.fit(value, signed: true, bits: 64)
        case .sint32:
            return JSONNumber.fit(value, signed: true, bits: 32).map { ZigZag.encode(Int64(bitPattern: $0)) }
        case .sint64:
            return JSONNumber.fit(value, signed: true, bits: 64).map { ZigZag.encode(Int64(bitPattern: $0)) }
        case .uint32, .fixed32: return JSONNumber.fit(value, signed: false, bits: 32)
        case .uint64, .fixed64: return JSONNumber.fit(value, signed: false, bits: 64)
        default: return nil
        }
    }

    /// Reads a double or float: a number, or a string holding a number, `NaN`, `Infinity` or
    /// `-Infinity`; values beyond the kind's range are errors.
    mutating func readDouble(_ kind: FieldKind) throws(CodecError) -> Double {
        let start = scanner.valueStart()
        let value: Double?
        var named = false
        if scanner.peek() == UInt8(ascii: "\"") {
            let token = try scanner.readString()
            value = scanner.withBytes(of: token) { text -> Double? in
                named = true
                if text.elementsEqual("NaN".utf8) { return .nan }
                if text.elementsEqual("Infinity".utf8) { return .infinity }
                if text.elementsEqual("-Infinity".utf8) { return -.infinity }
                named = false
                return JSONNumber.scanWhole(text).flatMap { JSONNumber.double(text, $0) }
            }
        } else if scanner.peek().map({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) }) == true {
            let token = try scanner.readNumber()
            value = JSONNumber.double(scanner.bytes, token)
        } else {
            throw mismatch(expected: "number")
        }
        guard let value else { throw CodecError("expected number, got \(scanner.snippet(at: start))") }
        if value.isInfinite, !named {
            throw CodecError("\(scanner.snippet(at: start)) is out of range for \(kind)")
        }
        // A float accepts what rounds to a finite float: 3.4028235e38 is FLT_MAX, 3.5e38 is not.
        if kind == .float, value.isFinite, Float(value).isInfinite {
            throw CodecError("\(scanner.snippet(at: start)) is out of range for float")
        }
        return value
    }

    private mutating func readEnum(_ enumType: EnumDescriptor) throws(CodecError) -> UInt64? {
        let start = scanner.valueStart()
        let number: (negative: Bool, magnitude: UInt64)?
        if scanner.peek() == UInt8(ascii: "\"") {
            let token = try scanner.readString()
            let name = scanner.string(of: token)
            if let number = enumType.number(named: name) { return UInt64(bitPattern: Int64(number)) }
            // As in Python's json_format, a string that names no value may hold a value's number.
            let named = scanner.withBytes(of: token) { text in
                JSONNumber.scanWhole(text).flatMap { $0.isInteger ? JSONNumber.integer(text, $0) : nil }
            }
            guard named != nil else {
                if options.ignoreUnknownFields { return nil }
                throw CodecError("unknown value \"\(name)\" of enum \(enumType.fullName)")
            }
            number = named
        } else {
            number = try readInteger()
        }
        guard let bits = Self.integerBits(number, .int32) else {
            throw CodecError("\(scanner.snippet(at: start)) is out of range for enum \(enumType.fullName)")
        }
        if enumType.isClosed, !enumType.contains(Int32(truncatingIfNeeded: bits)) {
            if options.ignoreUnknownFields { return nil }
            throw CodecError("\(Int32(truncatingIfNeeded: bits)) is not a value of enum \(enumType.fullName)")
        }
        return bits
    }
}

extension JSONScanner {
    /// The offset where the next value starts.
    mutating func valueStart() -> Int {
        skipWhitespace()
        return position
    }

    /// A short quote of the value at `start`, for error messages.
    func snippet(at start: Int? = nil) -> String {
        var probe = self
        if let start { probe.position = start }
        let from = probe.valueStart()
        guard from < bytes.count else { return "end of input" }
        if (try? probe.skipValue(depth: 8)) == nil { probe.position = from + 1 }
        let end = min(probe.position, from + 40, bytes.count)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self)
        return end < probe.position ? text + "..." : text
    }
}
