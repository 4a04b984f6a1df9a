import ProtoSchema
import Testing

/// Extensions, found by full name and by extendee and number.
@Suite("Extensions")
struct ExtensionTests {
    static let extendee = "darwaza.testing.proto2.AllTypesProto2"

    /// File-scope and message-scope extensions by name.
    @Test func byName() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let extendee = try #require(pool.messageIndex(named: Self.extendee))
        let fileScope = try #require(pool.extensionField(named: "darwaza.testing.proto2.extension_int32"))
        #expect(fileScope.number == 120)
        #expect(fileScope.kind == .int32)
        #expect(fileScope.isExtension && fileScope.extendeeIndex == extendee)
        #expect(fileScope.name == "extension_int32")
        #expect(fileScope.jsonName == "[darwaza.testing.proto2.extension_int32]")
        #expect(fileScope.hasPresence)
        let scoped = try #require(pool.extensionField(named: "darwaza.testing.proto2.ExtensionScope.scoped_extension_message"))
        #expect(scoped.number == 151)
        #expect(scoped.fullName == "darwaza.testing.proto2.ExtensionScope.scoped_extension_message")
        #expect(pool.messages[scoped.messageIndex].fullName == "darwaza.testing.proto2.ExtensionScope")
        #expect(pool.extensionField(named: "darwaza.testing.proto2.ExtensionScope.value") == nil)
        #expect(pool.extensionField(named: "extension_int32") == nil)
    }

    /// Extensions by extendee and number, and all extensions of a message sorted by number.
    @Test func byExtendeeAndNumber() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let extendee = try #require(pool.messageIndex(named: Self.extendee))
        #expect(pool.extensionField(extendeeIndex: extendee, number: 122)?.fullName == "darwaza.testing.proto2.extension_repeated_sint64")
        #expect(pool.extensionField(extendeeIndex: extendee, number: 122)?.isRepeated == true)
        #expect(pool.extensionField(extendeeIndex: extendee, number: 122)?.isPacked == false)
        #expect(pool.extensionField(extendeeIndex: extendee, number: 152)?.kind == .bytes)
        #expect(pool.extensionField(extendeeIndex: extendee, number: 1) == nil)
        #expect(pool.extensionField(extendeeIndex: extendee, number: 130) == nil)
        #expect(pool.extensionFields(extendeeIndex: extendee).map(\.number) == [120, 121, 122, 123, 124, 150, 151, 152])
        let editions = try #require(pool.messageIndex(named: "darwaza.testing.editions2.AllTypesProto2"))
        #expect(pool.extensionFields(extendeeIndex: editions).map(\.number) == [120, 121, 122, 123, 124, 150, 151, 152])
        let other = try #require(pool.messageIndex(named: "darwaza.testing.proto3.AllTypesProto3"))
        #expect(pool.extensionFields(extendeeIndex: other).isEmpty)
    }

    /// Only messages with extension ranges are extensible.
    @Test func extensibility() throws {
        let pool = try SchemaFixtures.allTypes.get()
        #expect(pool.message(named: Self.extendee)?.isExtensible == true)
        #expect(pool.message(named: "darwaza.testing.proto3.AllTypesProto3")?.isExtensible == false)
        #expect(pool.message(named: "darwaza.testing.proto2.ExtensionScope")?.isExtensible == false)
    }

    /// An extension's closed enum type and the extensions of method options in payments.
    @Test func enumExtensionAndOptionsExtensions() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let enumExtension = try #require(pool.extensionField(named: "darwaza.testing.proto2.extension_nested_enum"))
        #expect(pool.enums[enumExtension.enumIndex].isClosed)
        let payments = try SchemaFixtures.payments.get()
        let http = try #require(payments.extensionField(named: "google.api.http"))
        #expect(http.number == 72_295_728)
        #expect(payments.messages[http.extendeeIndex].fullName == "google.protobuf.MethodOptions")
        #expect(payments.messages[http.messageIndex].fullName == "google.api.HttpRule")
    }
}
