import ProtoSchema

/// A bounds-checked cursor over protobuf binary; every read fails cleanly on short or
/// malformed input.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end
    }

    var isAtEnd: Bool { position >= end }

    @inline(__always)
    mutating func readVarint() throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw CodecError("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw CodecError("truncated varint")
    }

    @inline(__always)
    mutating func readFixed32() throws(CodecError) -> UInt32 {
        guard end - position >= 4 else { throw CodecError("truncated fixed32") }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    @inline(__always)
    mutating func readFixed64() throws(CodecError) -> UInt64 {
        guard end - position >= 8 else { throw CodecError("truncated fixed64") }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a length prefix and returns the range of the bytes it covers.
    @inline(__always)
    mutating func readLengthDelimited() throws(CodecError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw CodecError("length \(length) runs past the end of the input") }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// Reads a tag and checks its field number and wire type.
    @inline(__always)
    mutating func readTag() throws(CodecError) -> (number: UInt32, wireType: WireType) {
        let tag = try readVarint()
        let number = tag >> 3
        guard number > 0, number <= 536_870_911 else { throw CodecError("invalid field number \(number)") }
        guard let wireType = WireType(rawValue: UInt8(tag & 7)) else {
            throw CodecError("invalid wire type \(tag & 7) for field \(number)")
        }
        return (UInt32(number), wireType)
    }

    /// Skips the value of a field with this wire type, returning the range of its payload
    /// (for a group, its contents without the end tag). Nested groups count against `depth`.
    mutating func skipValue(
        number: UInt32, wireType: WireType, depth: Int, maxDepth: Int
    ) throws(CodecError) -> Range<Int> {
        let start = position
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: return try readLengthDelimited()
        case .startGroup:
            guard depth < maxDepth else { throw CodecError("nesting exceeds the depth limit of \(maxDepth)") }
            while true {
                let contentEnd = position
                if isAtEnd { throw CodecError("group \(number) is not terminated") }
                let tag = try readTag()
                if tag.wireType == .endGroup {
                    guard tag.number == number else {
                        throw CodecError("group \(number) ended by end-group tag of field \(tag.number)")
                    }
                    return start..<contentEnd
                }
                _ = try skipValue(number: tag.number, wireType: tag.wireType, depth: depth + 1, maxDepth: maxDepth)
            }
        case .endGroup:
            throw CodecError("unexpected end-group tag for field \(number)")
        }
        return start..<position
    }
}
