import ProtoSchema
import Testing

/// The resolved fields of the all-types messages: lookups, kinds, presence, packing and more.
@Suite("Fields")
struct FieldDescriptorTests {
    static let proto3 = "darwaza.testing.proto3.AllTypesProto3"
    static let proto2 = "darwaza.testing.proto2.AllTypesProto2"

    /// The message named `name` in the all-types pool.
    static func message(_ name: String) throws -> MessageDescriptor {
        try #require(try SchemaFixtures.allTypes.get().message(named: name))
    }

    /// Fields are sorted by number and found by number, JSON name and proto name.
    @Test func looksUpFields() throws {
        let message = try Self.message(Self.proto3)
        #expect(message.fields.map(\.number) == message.fields.map(\.number).sorted())
        let field = try #require(message.field(number: 14))
        #expect(field.name == "optional_string")
        #expect(field.jsonName == "optionalString")
        #expect(field.fullName == "darwaza.testing.proto3.AllTypesProto3.optional_string")
        #expect(message.field(named: "optionalString") === field)
        #expect(message.field(named: "optional_string") === field)
        #expect(message.fieldIndex(number: 14).map { message.fields[$0] } === field)
        #expect(message.field(number: 16) == nil)
        #expect(message.field(number: 0) == nil)
        #expect(message.field(number: 100_000) == nil)
        #expect(message.field(named: "OptionalString") == nil)
        #expect(message.field(named: "") == nil)
    }

    /// JSON names follow protoc's lowerCamelCase rule, and `json_name` overrides it.
    @Test(arguments: [
        (401, "field_name1", "fieldName1"), (402, "fieldName2", "fieldName2"), (403, "_field_name3", "FieldName3"),
        (404, "field__name4_", "fieldName4"), (405, "field0name5", "field0name5"), (406, "field_0_name6", "field0Name6"),
        (407, "FIELD_NAME7", "FIELDNAME7"), (408, "Field_Name8", "FieldName8"), (409, "json_named_int32", "customJsonName"),
        (410, "json_named_string", "snake_case_json"), (411, "json_named_repeated", "ALLCAPS"),
    ] as [(UInt32, String, String)])
    func jsonNames(number: UInt32, name: String, jsonName: String) throws {
        let message = try Self.message(Self.proto3)
        let field = try #require(message.field(number: number))
        #expect(field.name == name)
        #expect(field.jsonName == jsonName)
        #expect(message.field(named: jsonName) === field)
        #expect(message.field(named: name) === field)
    }

    /// Every scalar kind, with its wire type and 64-bit-ness.
    @Test func kinds() throws {
        let message = try Self.message(Self.proto3)
        let kinds: [FieldKind] = [
            .int32, .int64, .uint32, .uint64, .sint32, .sint64, .fixed32, .fixed64, .sfixed32, .sfixed64, .float, .double,
            .bool, .string, .bytes,
        ]
        #expect((1...15).map { message.field(number: UInt32($0))?.kind } == kinds)
        #expect(kinds.map(\.wireType) == [
            .varint, .varint, .varint, .varint, .varint, .varint, .fixed32, .fixed64, .fixed32, .fixed64, .fixed32, .fixed64,
            .varint, .lengthDelimited, .lengthDelimited,
        ])
        #expect(kinds.filter(\.is64BitInteger) == [.int64, .uint64, .sint64, .fixed64, .sfixed64])
        #expect(kinds.filter { !$0.isPackable } == [.string, .bytes])
        #expect(message.field(number: 18)?.kind == .message)
        #expect(message.field(number: 21)?.kind == .enumeration)
        #expect(FieldKind.group.wireType == .startGroup)
    }

    /// Message and enum fields point at their types in the pool; other fields at nothing.
    @Test func typeReferences() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let message = try Self.message(Self.proto3)
        let nested = try #require(message.field(number: 18))
        #expect(pool.messages[nested.messageIndex].fullName == "darwaza.testing.proto3.AllTypesProto3.NestedMessage")
        #expect(nested.enumIndex == -1)
        let foreign = try #require(message.field(number: 19))
        #expect(pool.messages[foreign.messageIndex].fullName == "darwaza.testing.proto3.ForeignMessage")
        let enumField = try #require(message.field(number: 22))
        #expect(pool.enums[enumField.enumIndex].fullName == "darwaza.testing.proto3.ForeignEnum")
        #expect(enumField.messageIndex == -1)
        let recursive = try #require(message.field(number: 27))
        #expect(pool.messages[recursive.messageIndex] === message)
        let scalar = try #require(message.field(number: 1))
        #expect(scalar.messageIndex == -1 && scalar.enumIndex == -1 && scalar.extendeeIndex == -1 && !scalar.isExtension)
    }

    /// proto3: implicit presence for scalars, explicit for messages, `optional` and oneof members.
    @Test func proto3Presence() throws {
        let message = try Self.message(Self.proto3)
        let presence = { (number: UInt32) in message.field(number: number)?.hasPresence }
        #expect(presence(1) == false)  // int32
        #expect(presence(14) == false)  // string
        #expect(presence(21) == false)  // enum
        #expect(presence(18) == true)  // message
        #expect(presence(30) == true)  // optional int32
        #expect(presence(40) == true)  // optional message
        #expect(presence(111) == true)  // oneof uint32
        #expect(presence(41) == false)  // repeated
        #expect(presence(70) == false)  // map
        #expect(presence(302) == true)  // Timestamp
    }

    /// proto2: every singular field has presence.
    @Test func proto2Presence() throws {
        let message = try Self.message(Self.proto2)
        for field in message.fields {
            #expect(field.hasPresence == !field.isRepeated, "\(field.name)")
        }
    }

    /// proto3 packs unless `[packed = false]`, proto2 only with `[packed = true]`; never strings.
    @Test func packing() throws {
        let proto3 = try Self.message(Self.proto3)
        #expect(proto3.field(number: 41)?.isPacked == true)  // repeated int32
        #expect(proto3.field(number: 52)?.isPacked == true)  // repeated double
        #expect(proto3.field(number: 61)?.isPacked == true)  // repeated enum
        #expect(proto3.field(number: 54)?.isPacked == false)  // repeated string
        #expect(proto3.field(number: 58)?.isPacked == false)  // repeated message
        #expect(proto3.field(number: 63)?.isPacked == false)  // [packed = false]
        #expect(proto3.field(number: 1)?.isPacked == false)  // singular
        let proto2 = try Self.message(Self.proto2)
        #expect(proto2.field(number: 31)?.isPacked == false)  // repeated int32
        #expect(proto2.field(number: 75)?.isPacked == true)  // [packed = true]
        #expect(proto2.field(number: 88)?.isPacked == true)  // packed enum
        #expect(proto2.field(number: 89)?.isPacked == false)  // [packed = false]
    }

    /// The wire types accepted for each field: its own, plus length-delimited when packable.
    @Test func acceptedWireTypes() throws {
        let message = try Self.message(Self.proto3)
        /// The accepted wire types of field `number`, as a bit set.
        func accepted(_ number: UInt32) throws -> UInt8 {
            message.acceptedWireTypes[try #require(message.fieldIndex(number: number))]
        }
        #expect(try accepted(1) == 1 << 0)  // varint
        #expect(try accepted(41) == 1 << 0 | 1 << 2)  // packed int32: varint or packed
        #expect(try accepted(63) == 1 << 0 | 1 << 2)  // unpacked int32 still reads packed
        #expect(try accepted(47) == 1 << 5 | 1 << 2)  // repeated fixed32
        #expect(try accepted(54) == 1 << 2)  // repeated string
        #expect(try accepted(12) == 1 << 1)  // double
        let group = try #require(try Self.message(Self.proto2).field(number: 201))
        #expect(group.kind.wireType == .startGroup)
    }

    /// Required fields (proto2 `required`).
    @Test func required() throws {
        let message = try Self.message("darwaza.testing.proto2.AllTypesProto2.WithRequired")
        #expect(message.fields.map(\.isRequired) == [true, true, true, false])
        #expect(try Self.message(Self.proto2).fields.allSatisfy { !$0.isRequired })
    }

    /// Groups are fields of kind `.group`, named after the lower-cased group.
    @Test func groups() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let message = try Self.message(Self.proto2)
        let data = try #require(message.field(number: 201))
        #expect(data.kind == .group)
        #expect(data.name == "data")
        #expect(data.jsonName == "data")
        #expect(!data.isRepeated && data.hasPresence)
        #expect(pool.messages[data.messageIndex].fullName == "darwaza.testing.proto2.AllTypesProto2.Data")
        let repeated = try #require(message.field(number: 204))
        #expect(repeated.kind == .group)
        #expect(repeated.isRepeated && !repeated.isPacked)
        #expect(repeated.jsonName == "repeateddata")
        #expect(try Self.message(Self.proto3).fields.allSatisfy { $0.kind != .group })
    }

    /// Maps are repeated fields of a map-entry message with key 1 and value 2.
    @Test func maps() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let message = try Self.message(Self.proto3)
        let map = try #require(message.field(named: "mapStringNestedMessage"))
        #expect(map.isMap && map.isRepeated && map.kind == .message && !map.isPacked)
        let entry = pool.messages[map.messageIndex]
        #expect(entry.isMapEntry)
        #expect(entry.fullName == "darwaza.testing.proto3.AllTypesProto3.MapStringNestedMessageEntry")
        #expect(entry.fields.map(\.number) == [1, 2])
        #expect(entry.fields.map(\.kind) == [.string, .message])
        #expect(message.fields.filter(\.isMap).map(\.number) == Array(70...98))
        #expect(!message.isMapEntry)
        #expect(message.field(number: 58)?.isMap == false)  // repeated message
        let proto2Map = try #require(try Self.message(Self.proto2).field(number: 73))
        #expect(proto2Map.isMap)
        #expect(pool.messages[proto2Map.messageIndex].fields[1].kind == .enumeration)
    }

    /// UTF-8 is checked in proto3 strings and not in proto2 ones.
    @Test func utf8Validation() throws {
        #expect(try Self.message(Self.proto3).field(number: 14)?.validatesUTF8 == true)
        #expect(try Self.message(Self.proto2).field(number: 14)?.validatesUTF8 == false)
    }

    /// `[default = ...]` texts are kept as written in the descriptor.
    @Test func defaultValues() throws {
        let message = try Self.message(Self.proto2)
        let defaults = { (name: String) in message.field(named: name)?.defaultValueText }
        #expect(defaults("default_int32") == "-123456789")
        #expect(defaults("default_uint64") == "10123456789123456789")
        #expect(defaults("default_float") == "9e+09")
        #expect(defaults("default_bool") == "true")
        #expect(defaults("default_string") == "Tab\there \"quoted\" café \\ end\n")
        #expect(defaults("default_bytes") == #"bin\000\001\177\200\377\'\"\\"#)
        #expect(defaults("default_float_nan") == "nan")
        #expect(defaults("default_double_neg_zero") == "-0")
        #expect(defaults("default_nested_enum") == "BAZ")
        #expect(defaults("optional_int32") == nil)
    }
}
