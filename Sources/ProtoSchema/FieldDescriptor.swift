/// One field of a message (or an extension), with its encoding and JSON rules resolved.
public final class FieldDescriptor: Sendable {
    /// The field's name as written in the .proto file.
    public let name: String
    /// The field's JSON name (`[full.name]` for extensions).
    public let jsonName: String
    /// The fully qualified name: the message's name plus the field's, or the extension's own.
    public let fullName: String
    /// The field number.
    public let number: UInt32
    /// The value type.
    public let kind: FieldKind
    /// Whether the field is `repeated` (map fields included).
    public let isRepeated: Bool
    /// Whether the field is proto2 `required` (or an editions `LEGACY_REQUIRED` field).
    public let isRequired: Bool
    /// Whether the field tracks presence, so that a default value is still "set".
    public let hasPresence: Bool
    /// Whether repeated values are written packed.
    public let isPacked: Bool
    /// Whether `string` values must be valid UTF-8.
    public let validatesUTF8: Bool
    /// The index of the message type in the pool, for message, group and map fields; else -1.
    public let messageIndex: Int
    /// The index of the enum type in the pool, for enum fields; else -1.
    public let enumIndex: Int
    /// The index of the containing oneof in its message, or -1.
    public let oneofIndex: Int
    /// Whether the field is a map (a repeated field of a map-entry message).
    public let isMap: Bool
    /// For an extension, the index of the extended message in the pool; else -1.
    public let extendeeIndex: Int
    /// The proto2 `[default = ...]` text, if any.
    public let defaultValueText: String?
    /// `"jsonName":` as UTF-8, ready for a JSON writer.
    public let jsonKey: [UInt8]
    /// `"name":` as UTF-8 (the JSON name for extensions), ready for a JSON writer.
    public let protoKey: [UInt8]

    init(
        name: String, jsonName: String, fullName: String, number: UInt32, kind: FieldKind,
        isRepeated: Bool, isRequired: Bool, hasPresence: Bool, isPacked: Bool, validatesUTF8: Bool,
        messageIndex: Int, enumIndex: Int, oneofIndex: Int, isMap: Bool, extendeeIndex: Int,
        defaultValueText: String?
    ) {
        self.name = name
        self.jsonName = jsonName
        self.fullName = fullName
        self.number = number
        self.kind = kind
        self.isRepeated = isRepeated
        self.isRequired = isRequired
        self.hasPresence = hasPresence
        self.isPacked = isPacked
        self.validatesUTF8 = validatesUTF8
        self.messageIndex = messageIndex
        self.enumIndex = enumIndex
        self.oneofIndex = oneofIndex
        self.isMap = isMap
        self.extendeeIndex = extendeeIndex
        self.defaultValueText = defaultValueText
        self.jsonKey = Self.key(jsonName)
        self.protoKey = Self.key(extendeeIndex >= 0 ? jsonName : name)
    }

    /// A JSON object key: the quoted, escaped name and a colon.
    private static func key(_ name: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += [UInt8(ascii: "\\"), byte]
            case ..<0x20:
                out += Array("\\u00".utf8) + Array(String(byte, radix: 16).leftPadded(to: 2).utf8)
            default:
                out.append(byte)
            }
        }
        return out + [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }

    /// Whether this field is an extension.
    public var isExtension: Bool { extendeeIndex >= 0 }
}

extension String {
    /// The text with zeros in front, to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
