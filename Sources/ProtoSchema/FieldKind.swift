/// The type of a protobuf field, numbered as `google.protobuf.FieldDescriptorProto.Type`.
public enum FieldKind: UInt8, Sendable, Hashable {
    case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string
    case group, message, bytes, uint32, enumeration, sfixed32, sfixed64, sint32, sint64

    /// The wire type a single value of this kind is written with (groups as start-group).
    public var wireType: WireType {
        switch self {
        case .double, .fixed64, .sfixed64: .fixed64
        case .float, .fixed32, .sfixed32: .fixed32
        case .int64, .uint64, .int32, .bool, .uint32, .enumeration, .sint32, .sint64: .varint
        case .string, .bytes, .message: .lengthDelimited
        case .group: .startGroup
        }
    }

    /// Whether repeated values of this kind may be packed into one length-delimited record.
    public var isPackable: Bool {
        switch self {
        case .string, .bytes, .message, .group: false
        default: true
        }
    }

    /// Whether the value is a 64-bit integer, written as a JSON string.
    public var is64BitInteger: Bool {
        switch self {
        case .int64, .uint64, .fixed64, .sfixed64, .sint64: true
        default: false
        }
    }
}

/// The protobuf wire types.
public enum WireType: UInt8, Sendable, Hashable {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
}
