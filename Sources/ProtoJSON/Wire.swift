import ProtoSchema

/// Low-level access to the fields of protobuf binary, for code that reads or writes a few known
/// fields of a message without converting it (gRPC status details, protocol envelopes).
public enum Wire {
    /// One field occurrence: its number, wire type, and its value as bits (varint and fixed
    /// types) or as the range of its payload (length-delimited and groups).
    public struct Field: Sendable, Hashable {
        /// The field number.
        public var number: UInt32
        /// How the value is encoded.
        public var wireType: WireType
        /// The value of a varint or fixed-width field; 0 otherwise.
        public var bits: UInt64
        /// The payload's range in the input: the bytes of a length-delimited value or the
        /// contents of a group; the raw bytes of other values.
        public var payload: Range<Int>
        /// The whole field in the input, tag included.
        public var range: Range<Int>
    }

    /// The field occurrences of a binary message, in input order.
    public static func fields(of bytes: [UInt8], maxDepth: Int = 100) throws(CodecError) -> [Field] {
        try bytes.withBytes { (bytes) throws(CodecError) -> [Field] in
            var reader = WireReader(bytes, from: 0, to: bytes.count)
            var fields: [Field] = []
            while !reader.isAtEnd {
                let start = reader.position
                let (number, wireType) = try reader.readTag()
                let payload = try reader.skipValue(number: number, wireType: wireType, depth: 0, maxDepth: maxDepth)
                var bits: UInt64 = 0
                if wireType == .varint || wireType == .fixed32 || wireType == .fixed64 {
                    var value = WireReader(bytes, from: payload.lowerBound, to: payload.upperBound)
                    switch wireType {
                    case .varint: bits = try value.readVarint()
                    case .fixed32: bits = UInt64(try value.readFixed32())
                    default: bits = try value.readFixed64()
                    }
                }
                fields.append(Field(number: number, wireType: wireType, bits: bits, payload: payload, range: start..<reader.position))
            }
            return fields
        }
    }

    /// Appends a length-delimited field.
    public static func appendField(number: UInt32, bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        out.appendTag(number, .lengthDelimited)
        out.appendVarint(UInt64(bytes.count))
        out.append(contentsOf: bytes)
    }

    /// Appends a varint field.
    public static func appendField(number: UInt32, varint: UInt64, to out: inout [UInt8]) {
        out.appendTag(number, .varint)
        out.appendVarint(varint)
    }
}
