import ProtoSchema
import SwiftProtobuf
import Testing

/// Pools built from descriptors written in the test: names, JSON names, numbers, features.
@Suite("Built schemas")
struct BuiltSchemaTests {
    typealias F = SchemaFixtures

    /// Type references resolve innermost scope first, then outwards, then fully qualified.
    @Test func resolvesRelativeNames() throws {
        var outer = F.message("Outer", fields: [F.field("inner", 1, .message, typeName: "Inner"), F.field("top", 2, .message, typeName: "Top")])
        outer.nestedType = [F.message("Inner"), F.message("Top")]
        let other = F.message("User", fields: [
            F.field("a", 1, .message, typeName: "Top"), F.field("b", 2, .message, typeName: "Outer.Inner"),
            F.field("c", 3, .message, typeName: ".test.Outer.Top"),
        ])
        let pool = try F.pool([F.file("n.proto", messages: [outer, F.message("Top"), other])])
        let name = { (message: String, field: String) in
            pool.message(named: message)?.field(named: field).map { pool.messages[$0.messageIndex].fullName }
        }
        #expect(name("test.Outer", "inner") == "test.Outer.Inner")
        #expect(name("test.Outer", "top") == "test.Outer.Top")  // the nested Top shadows test.Top
        #expect(name("test.User", "a") == "test.Top")
        #expect(name("test.User", "b") == "test.Outer.Inner")
        #expect(name("test.User", "c") == "test.Outer.Top")
    }

    /// Without `json_name`, the JSON name is the lowerCamelCase of the proto name.
    @Test func defaultJSONNames() throws {
        let message = F.message("M", fields: [F.field("foo_bar_baz", 1, .int32), F.field("_a_b", 2, .int32), F.field("x2_y", 3, .int32)])
        let pool = try F.pool([F.file("m.proto", messages: [message])])
        #expect(pool.message(named: "test.M")?.fields.map(\.jsonName) == ["fooBarBaz", "AB", "x2Y"])
    }

    /// Field numbers above the dense lookup table are found too.
    @Test func largeFieldNumbers() throws {
        let message = F.message("M", fields: [F.field("small", 5, .int32), F.field("large", 100_000, .int32), F.field("max", 536_870_911, .int32)])
        let built = try #require(try F.pool([F.file("m.proto", messages: [message])]).message(named: "test.M"))
        #expect(built.field(number: 100_000)?.name == "large")
        #expect(built.field(number: 536_870_911)?.name == "max")
        #expect(built.fieldIndex(number: 5) == 0)
        #expect(built.field(number: 100_001) == nil)
        #expect(built.field(number: 512) == nil)
    }

    /// Files without a package declare top-level names.
    @Test func noPackage() throws {
        let pool = try F.pool([F.file("p.proto", package: "", messages: [F.message("M")], enums: [F.enumType("E", values: [("A", 0)])])])
        #expect(pool.message(named: "M")?.fullName == "M")
        #expect(pool.enumType(named: "E")?.values.map(\.name) == ["A"])
    }

    /// No sets at all give an empty pool.
    @Test func emptyPool() throws {
        let pool = try DescriptorPool(descriptorSets: [])
        #expect(pool.fileNames.isEmpty && pool.messages.isEmpty && pool.enums.isEmpty && pool.services.isEmpty)
    }

    /// A file's editions features reach its messages' fields; per-field features override them.
    @Test func editionsFeatures() throws {
        var file = F.file("e.proto", syntax: "editions", messages: [
            F.message("M", fields: [
                F.field("s", 1, .string), F.field("r", 2, .int32, label: .repeated),
                {
                    var field = F.field("i", 3, .int32)
                    field.options.features.fieldPresence = .implicit
                    return field
                }(),
                {
                    var field = F.field("d", 4, .message, typeName: ".test.M")
                    field.options.features.messageEncoding = .delimited
                    return field
                }(),
            ])
        ])
        file.edition = .edition2023
        file.options.features.utf8Validation = .none
        let message = try #require(try F.pool([file]).message(named: "test.M"))
        #expect(message.fields.map(\.hasPresence) == [true, false, false, true])
        #expect(message.fields.map(\.isPacked) == [false, true, false, false])
        #expect(message.fields.map(\.validatesUTF8) == [false, false, false, false])
        #expect(message.fields.map(\.kind) == [.string, .int32, .int32, .group])
    }
}
