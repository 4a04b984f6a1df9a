import ProtoSchema
import SwiftProtobuf
import Testing

/// Enums (values, aliases, open or closed) and oneofs (synthetic ones left out).
@Suite("Enums and oneofs")
struct EnumAndOneofTests {
    /// Values in declaration order; names and numbers both ways; the first name of an alias wins.
    @Test func enumValues() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let nested = try #require(pool.enumType(named: "darwaza.testing.proto3.AllTypesProto3.NestedEnum"))
        #expect(nested.values.map(\.name) == ["FOO", "BAR", "BAZ", "NEG", "BAZ_ALIAS"])
        #expect(nested.values.map(\.number) == [0, 1, 2, -1, 2])
        #expect(nested.number(named: "BAZ_ALIAS") == 2)
        #expect(nested.number(named: "NEG") == -1)
        #expect(nested.number(named: "bar") == nil)
        #expect(nested.name(of: 2) == "BAZ")
        #expect(nested.name(of: -1) == "NEG")
        #expect(nested.name(of: 3) == nil)
        #expect(nested.contains(1) && !nested.contains(42))
    }

    /// proto2 enums are closed, proto3 and NullValue open; editions copies keep their original's.
    @Test(arguments: [
        ("darwaza.testing.proto3.AllTypesProto3.NestedEnum", false), ("darwaza.testing.proto3.ForeignEnum", false),
        ("darwaza.testing.proto2.AllTypesProto2.NestedEnum", true), ("darwaza.testing.proto2.ForeignEnumProto2", true),
        ("darwaza.testing.editions3.AllTypesProto3.NestedEnum", false), ("darwaza.testing.editions3.ForeignEnum", false),
        ("darwaza.testing.editions2.AllTypesProto2.NestedEnum", true), ("darwaza.testing.editions2.ForeignEnumProto2", true),
        ("google.protobuf.NullValue", false),
    ])
    func closedness(name: String, closed: Bool) throws {
        let enumType = try #require(try SchemaFixtures.allTypes.get().enumType(named: name))
        #expect(enumType.isClosed == closed)
    }

    /// The real oneof and its members; proto3 `optional` fields are not in a oneof.
    @Test func proto3Oneofs() throws {
        let message = try #require(try SchemaFixtures.allTypes.get().message(named: "darwaza.testing.proto3.AllTypesProto3"))
        #expect(message.oneofs.map(\.name) == ["oneof_field"])
        let members = message.oneofs[0].fieldIndices.map { message.fields[$0].number }
        #expect(members == Array(111...120))
        for field in message.fields {
            #expect(field.oneofIndex == ((111...120).contains(field.number) ? 0 : -1), "\(field.name)")
        }
        #expect(message.field(named: "proto3_optional_int32")?.oneofIndex == -1)
    }

    /// proto2 and editions oneofs.
    @Test(arguments: ["darwaza.testing.proto2.AllTypesProto2", "darwaza.testing.editions2.AllTypesProto2", "darwaza.testing.editions3.AllTypesProto3"])
    func otherOneofs(name: String) throws {
        let message = try #require(try SchemaFixtures.allTypes.get().message(named: name))
        #expect(message.oneofs.map(\.name) == ["oneof_field"])
        #expect(message.oneofs[0].fieldIndices.map { message.fields[$0].number } == Array(111...(name.hasSuffix("3") ? 120 : 119)))
    }

    /// A message without oneofs has none; a synthetic oneof alone is dropped.
    @Test func messagesWithoutOneofs() throws {
        let pool = try SchemaFixtures.allTypes.get()
        #expect(pool.message(named: "darwaza.testing.proto3.ForeignMessage")?.oneofs.isEmpty == true)
        var optional = SchemaFixtures.field("x", 1, .int32)
        optional.proto3Optional = true
        optional.oneofIndex = 0
        var message = SchemaFixtures.message("M", fields: [optional])
        var oneof = Google_Protobuf_OneofDescriptorProto()
        oneof.name = "_x"
        message.oneofDecl = [oneof]
        let built = try SchemaFixtures.pool([SchemaFixtures.file("m.proto", messages: [message])])
        let m = try #require(built.message(named: "test.M"))
        #expect(m.oneofs.isEmpty)
        #expect(m.fields[0].oneofIndex == -1)
        #expect(m.fields[0].hasPresence)
    }
}
