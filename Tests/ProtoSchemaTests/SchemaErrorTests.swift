import Foundation
import ProtoSchema
import SwiftProtobuf
import Testing

/// Descriptor sets that cannot be loaded, each with the exact error it is reported with.
@Suite("Schema errors")
struct SchemaErrorTests {
    typealias F = SchemaFixtures

    /// A field naming a message type that no file defines.
    @Test func danglingMessageReference() throws {
        let message = F.message("M", fields: [F.field("f", 1, .message, typeName: ".test.Missing")])
        let set = try F.setBytes([F.file("m.proto", messages: [message])])
        #expect(F.loadError([("bad.binpb", set)]) == "m.proto: test.M.f: unknown message type .test.Missing")
    }

    /// A relative reference that no enclosing scope resolves.
    @Test func danglingRelativeReference() throws {
        let message = F.message("M", fields: [F.field("f", 1, .message, typeName: "Other")])
        let set = try F.setBytes([F.file("m.proto", messages: [message])])
        #expect(F.loadError([("bad.binpb", set)]) == "m.proto: test.M.f: unknown message type Other")
    }

    /// A field naming an enum that no file defines (a message of that name is no enum).
    @Test func danglingEnumReference() throws {
        let message = F.message("M", fields: [F.field("e", 2, .enum, typeName: ".test.M")])
        let set = try F.setBytes([F.file("m.proto", messages: [message])])
        #expect(F.loadError([("bad.binpb", set)]) == "m.proto: test.M.e: unknown enum type .test.M")
    }

    /// A method whose request type is missing.
    @Test func danglingMethodType() throws {
        var method = Google_Protobuf_MethodDescriptorProto()
        method.name = "Call"
        method.inputType = ".test.Missing"
        method.outputType = ".test.M"
        var service = Google_Protobuf_ServiceDescriptorProto()
        service.name = "S"
        service.method = [method]
        let set = try F.setBytes([F.file("s.proto", messages: [F.message("M")], services: [service])])
        #expect(F.loadError([("bad.binpb", set)]) == "s.proto: test.S.Call: unknown message type .test.Missing")
    }

    /// An extension of a message that does not exist.
    @Test func danglingExtendee() throws {
        let extensionField = F.field("x", 100, .int32, extendee: ".test.Missing")
        let set = try F.setBytes([F.file("x.proto", syntax: "proto2", extensions: [extensionField])])
        #expect(F.loadError([("bad.binpb", set)]) == "x.proto: test.x: unknown message type .test.Missing")
    }

    /// The same symbol defined by two files of one set.
    @Test func duplicateSymbolAcrossFiles() throws {
        let set = try F.setBytes([F.file("a.proto", messages: [F.message("M")]), F.file("b.proto", messages: [F.message("M")])])
        #expect(F.loadError([("dup.binpb", set)]) == "b.proto: test.M is already defined in a.proto")
    }

    /// The same symbol defined by files of two sets.
    @Test func duplicateSymbolAcrossSets() throws {
        let first = try F.setBytes([F.file("a.proto", enums: [F.enumType("E", values: [("ZERO", 0)])])])
        let second = try F.setBytes([F.file("b.proto", messages: [F.message("E")])])
        #expect(F.loadError([("one.binpb", first), ("two.binpb", second)]) == "b.proto: test.E is already defined in a.proto")
    }

    /// A symbol defined twice in one file.
    @Test func duplicateSymbolInOneFile() throws {
        let set = try F.setBytes([F.file("a.proto", messages: [F.message("M")], enums: [F.enumType("M", values: [("ZERO", 0)])])])
        #expect(F.loadError([("dup.binpb", set)]) == "a.proto: test.M is defined twice")
    }

    /// One file name with different contents in two sets.
    @Test func sameFileDifferentContents() throws {
        let first = try F.setBytes([F.file("a.proto", messages: [F.message("M")])])
        let second = try F.setBytes([F.file("a.proto", messages: [F.message("N")])])
        #expect(F.loadError([("one.binpb", first), ("two.binpb", second)]) == "a.proto: defined differently in one.binpb and two.binpb")
    }

    /// The same file in two sets is loaded once.
    @Test func sameFileSameContents() throws {
        let set = try F.setBytes([F.file("a.proto", messages: [F.message("M")])])
        let pool = try DescriptorPool(descriptorSets: [("one.binpb", set), ("two.binpb", set)])
        #expect(pool.fileNames == ["a.proto"])
        #expect(pool.messages.count == 1)
    }

    /// Bytes that are not a binary FileDescriptorSet.
    @Test(arguments: [
        ([0xFF] as [UInt8], "junk.binpb: not a binary FileDescriptorSet (malformedProtobuf)"),
        (Array("syntax = \"proto3\";".utf8), "text.binpb: not a binary FileDescriptorSet (malformedProtobuf)"),
        ([0x0A, 0x05, 0x0A], "short.binpb: not a binary FileDescriptorSet (truncated)"),
    ] as [([UInt8], String)])
    func notADescriptorSet(bytes: [UInt8], expected: String) {
        let source = String(expected.prefix { $0 != ":" })
        #expect(F.loadError([(source, bytes)]) == expected)
    }

    /// A path that cannot be read.
    @Test func missingFile() {
        let path = SchemaFixtures.path("no_such_file.binpb")
        do {
            _ = try DescriptorPool(paths: [SchemaFixtures.path("all_types.binpb"), path])
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.description == "\(path): cannot read the file")
            #expect(error == SchemaError("\(path): cannot read the file"))
        }
    }

    /// Field numbers outside 1...536870911, and a number used twice.
    @Test func invalidFieldNumbers() throws {
        let zero = try F.setBytes([F.file("m.proto", messages: [F.message("M", fields: [F.field("f", 0, .int32)])])])
        #expect(F.loadError([("s", zero)]) == "m.proto: test.M.f: invalid field number 0")
        let large = try F.setBytes([F.file("m.proto", messages: [F.message("M", fields: [F.field("f", 536_870_912, .int32)])])])
        #expect(F.loadError([("s", large)]) == "m.proto: test.M.f: invalid field number 536870912")
        let twice = try F.setBytes([F.file("m.proto", messages: [F.message("M", fields: [F.field("a", 3, .int32), F.field("b", 3, .string)])])])
        #expect(F.loadError([("s", twice)]) == "m.proto: test.M uses field number 3 twice")
    }

    /// An enum without values.
    @Test func emptyEnum() throws {
        let set = try F.setBytes([F.file("e.proto", enums: [F.enumType("E", values: [])])])
        #expect(F.loadError([("s", set)]) == "e.proto: enum test.E has no values")
    }

    /// Two extensions of one message with the same number.
    @Test func extensionNumberReused() throws {
        let message = F.message("M", extensionRanges: [100...200])
        let set = try F.setBytes([
            F.file("x.proto", syntax: "proto2", messages: [message], extensions: [
                F.field("a", 100, .int32, extendee: ".test.M"), F.field("b", 100, .string, extendee: ".test.M"),
            ])
        ])
        #expect(F.loadError([("s", set)]) == "x.proto: extension test.b reuses number 100 of test.a")
    }

    /// Errors compare by their text.
    @Test func errorsAreValues() {
        #expect(SchemaError("x") == SchemaError("x"))
        #expect(SchemaError("x") != SchemaError("y"))
        #expect(SchemaError("a.proto: bad").description == "a.proto: bad")
    }
}
