import ProtoSchema

/// Appending protobuf wire-format primitives to a byte buffer.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        append(UInt8(value))
    }

    @inline(__always)
    mutating func appendTag(_ number: UInt32, _ wireType: WireType) {
        appendVarint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    @inline(__always)
    mutating func appendFixed32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func appendFixed64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// Reserves one byte for a length prefix; pass the result to `closeLengthPrefix`.
    @inline(__always)
    mutating func openLengthPrefix() -> Int {
        append(0)
        return count
    }

    /// Writes the length of everything appended since `openLengthPrefix` in front of it,
    /// widening the reserved byte when the length needs more.
    mutating func closeLengthPrefix(_ start: Int) {
        let length = count - start
        if length < 0x80 {
            self[start - 1] = UInt8(length)
            return
        }
        var prefix: [UInt8] = []
        prefix.appendVarint(UInt64(length))
        insert(contentsOf: prefix.dropFirst(), at: start)
        for (offset, byte) in prefix.enumerated() { self[start - 1 + offset] = byte }
    }
}

/// ZigZag encoding of signed integers for `sint32` and `sint64`.
enum ZigZag {
    @inline(__always)
    static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    @inline(__always)
    static func decode(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
