import ProtoSchema
import Testing

/// Loading the committed descriptor sets and looking types up by name.
@Suite("Pool loading")
struct PoolLoadingTests {
    /// Every file of the editions set is loaded, in set order.
    @Test func loadsFiles() throws {
        let pool = try SchemaFixtures.allTypes.get()
        #expect(pool.fileNames == [
            "conformance/conformance.proto", "google/protobuf/any.proto", "google/protobuf/duration.proto",
            "google/protobuf/empty.proto", "google/protobuf/field_mask.proto", "google/protobuf/struct.proto",
            "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto", "darwaza/testing/all_types_proto3.proto",
            "darwaza/testing/all_types_proto2.proto", "darwaza/testing/all_types_editions_from_proto2.proto",
            "darwaza/testing/all_types_editions_from_proto3.proto",
        ])
    }

    /// All committed sets load together: the files they share are identical.
    @Test func loadsSetsWithSharedFiles() throws {
        let names = ["all_types.binpb", "all_types_editions.binpb", "payments.binpb", "google_rpc.binpb"]
        let pool = try DescriptorPool(paths: names.map(SchemaFixtures.path))
        #expect(pool.fileNames.count == 19)
        #expect(pool.fileNames.filter { $0 == "google/protobuf/timestamp.proto" }.count == 1)
        #expect(pool.message(named: "payments.v1.Payment") != nil)
        #expect(pool.message(named: "darwaza.testing.editions2.AllTypesProto2") != nil)
    }

    /// Messages and enums are found by fully qualified name, nested ones included.
    @Test func looksUpByFullName() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let index = try #require(pool.messageIndex(named: "darwaza.testing.proto3.AllTypesProto3"))
        #expect(pool.messages[index].fullName == "darwaza.testing.proto3.AllTypesProto3")
        #expect(pool.messages[index].fileName == "darwaza/testing/all_types_proto3.proto")
        #expect(pool.message(named: "darwaza.testing.proto3.AllTypesProto3.NestedMessage")?.fields.map(\.name) == ["a", "corecursive"])
        #expect(pool.message(named: "darwaza.testing.proto2.AllTypesProto2.Data")?.fields.map(\.number) == [202, 203])
        #expect(pool.message(named: "google.protobuf.Timestamp")?.fileName == "google/protobuf/timestamp.proto")
        #expect(pool.enumType(named: "darwaza.testing.proto3.ForeignEnum")?.values.map(\.name) == ["FOREIGN_FOO", "FOREIGN_BAR", "FOREIGN_BAZ"])
        #expect(pool.enumType(named: "darwaza.testing.proto2.AllTypesProto2.NestedEnum")?.fullName == "darwaza.testing.proto2.AllTypesProto2.NestedEnum")
    }

    /// Unknown, partial and leading-dot names find nothing.
    @Test(arguments: ["AllTypesProto3", ".darwaza.testing.proto3.AllTypesProto3", "darwaza.testing.proto3", "", "darwaza.testing.proto3.ForeignEnum"])
    func unknownNamesFindNoMessage(name: String) throws {
        let pool = try SchemaFixtures.allTypes.get()
        #expect(pool.messageIndex(named: name) == nil)
        #expect(pool.message(named: name) == nil)
    }

    /// Enum lookups find no messages and message lookups find no enums.
    @Test func enumAndMessageNamespacesAreSeparate() throws {
        let pool = try SchemaFixtures.allTypes.get()
        #expect(pool.enumType(named: "darwaza.testing.proto3.ForeignMessage") == nil)
        #expect(pool.enumType(named: "darwaza.testing.proto3.ForeignEnum") != nil)
    }

    /// Well-known types are recognised by name; wrappers are marked as such.
    @Test func recognisesWellKnownTypes() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let expected: [String: WellKnownType] = [
            "Any": .any, "Timestamp": .timestamp, "Duration": .duration, "FieldMask": .fieldMask, "Struct": .structValue,
            "Value": .value, "ListValue": .listValue, "Empty": .empty, "DoubleValue": .doubleValue, "FloatValue": .floatValue,
            "Int64Value": .int64Value, "UInt64Value": .uint64Value, "Int32Value": .int32Value, "UInt32Value": .uint32Value,
            "BoolValue": .boolValue, "StringValue": .stringValue, "BytesValue": .bytesValue,
        ]
        for (name, type) in expected {
            let message = try #require(pool.message(named: "google.protobuf.\(name)"))
            #expect(message.wellKnownType == type, "\(name)")
            #expect(type.isWrapper == (name.hasSuffix("Value") && name != "Value" && name != "ListValue"), "\(name)")
        }
        #expect(pool.message(named: "darwaza.testing.proto3.AllTypesProto3")?.wellKnownType == nil)
        #expect(pool.message(named: "google.protobuf.Struct.FieldsEntry")?.wellKnownType == nil)
        #expect(pool.enumType(named: "google.protobuf.NullValue")?.isNullValue == true)
        #expect(pool.enumType(named: "darwaza.testing.proto3.ForeignEnum")?.isNullValue == false)
    }
}
