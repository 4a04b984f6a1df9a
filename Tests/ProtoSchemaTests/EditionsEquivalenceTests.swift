import ProtoSchema
import Testing

// The copies (scripts/make_editions_variants.py) spell proto2 and proto3 semantics as features.
/// The editions copies of the all-types files resolve every field exactly as their originals.
@Suite("Editions equivalence")
struct EditionsEquivalenceTests {
    /// Original package and editions package.
    static let packages = [
        ("darwaza.testing.proto2.", "darwaza.testing.editions2."), ("darwaza.testing.proto3.", "darwaza.testing.editions3."),
    ]

    /// What must match between a field and its editions copy, types renamed to the original package.
    static func summary(_ field: FieldDescriptor, _ pool: DescriptorPool, renaming: (String) -> String) -> String {
        let type = field.messageIndex >= 0 ? renaming(pool.messages[field.messageIndex].fullName)
            : field.enumIndex >= 0 ? renaming(pool.enums[field.enumIndex].fullName) + (pool.enums[field.enumIndex].isClosed ? " closed" : " open") : ""
        return [
            "\(field.number)", field.name, field.jsonName, "\(field.kind)", type, "repeated=\(field.isRepeated)",
            "required=\(field.isRequired)", "presence=\(field.hasPresence)", "packed=\(field.isPacked)", "utf8=\(field.validatesUTF8)",
            "oneof=\(field.oneofIndex)", "map=\(field.isMap)", "default=\(field.defaultValueText ?? "-")",
        ].joined(separator: " ")
    }

    /// Every message of both originals has a counterpart with the same fields and oneofs.
    @Test(arguments: packages.map { $0.0 })
    func messagesResolveAlike(originalPackage: String) throws {
        let pool = try SchemaFixtures.allTypes.get()
        let editionsPackage = try #require(Self.packages.first { $0.0 == originalPackage }?.1)
        let rename = { (name: String) in
            name.hasPrefix(editionsPackage) ? originalPackage + name.dropFirst(editionsPackage.count) : name
        }
        let originals = pool.messages.filter { $0.fullName.hasPrefix(originalPackage) }
        #expect(originals.count == (originalPackage.contains("proto2") ? 26 : 32))  // nested and map entries included
        for original in originals {
            let name = editionsPackage + original.fullName.dropFirst(originalPackage.count)
            let copy = try #require(pool.message(named: name), "\(name) is missing")
            #expect(copy.fields.map { Self.summary($0, pool, renaming: rename) } == original.fields.map { Self.summary($0, pool, renaming: rename) }, "\(name)")
            #expect(copy.oneofs.map(\.name) == original.oneofs.map(\.name), "\(name)")
            #expect(copy.oneofs.map(\.fieldIndices) == original.oneofs.map(\.fieldIndices), "\(name)")
            #expect(copy.isMapEntry == original.isMapEntry && copy.isExtensible == original.isExtensible, "\(name)")
        }
    }

    /// The extensions of the proto2 copy resolve like the originals.
    @Test func extensionsResolveAlike() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let original = try #require(pool.messageIndex(named: "darwaza.testing.proto2.AllTypesProto2"))
        let copy = try #require(pool.messageIndex(named: "darwaza.testing.editions2.AllTypesProto2"))
        let rename = { (name: String) in name.replacingOccurrences(of: "darwaza.testing.editions2.", with: "darwaza.testing.proto2.") }
        let summaries = { (index: Int) in
            pool.extensionFields(extendeeIndex: index).map { rename(Self.summary($0, pool, renaming: rename)) }
        }
        #expect(summaries(copy) == summaries(original))
        #expect(summaries(copy).count == 8)
    }

    /// Spot checks of the features that differ most between the two originals.
    @Test func featureSpotChecks() throws {
        let pool = try SchemaFixtures.allTypes.get()
        let e2 = try #require(pool.message(named: "darwaza.testing.editions2.AllTypesProto2"))
        let e3 = try #require(pool.message(named: "darwaza.testing.editions3.AllTypesProto3"))
        #expect(e2.field(number: 201)?.kind == .group)  // message_encoding = DELIMITED
        #expect(e2.field(number: 204)?.kind == .group)
        #expect(e2.field(number: 1)?.hasPresence == true)
        #expect(e2.field(number: 31)?.isPacked == false)  // EXPANDED by default
        #expect(e2.field(number: 75)?.isPacked == true)  // PACKED per field
        #expect(e2.field(number: 14)?.validatesUTF8 == false)  // utf8_validation = NONE
        #expect(pool.message(named: "darwaza.testing.editions2.AllTypesProto2.WithRequired")?.fields.map(\.isRequired) == [true, true, true, false])
        #expect(e3.field(number: 1)?.hasPresence == false)  // IMPLICIT
        #expect(e3.field(number: 30)?.hasPresence == true)  // EXPLICIT per field
        #expect(e3.field(number: 41)?.isPacked == true)
        #expect(e3.field(number: 63)?.isPacked == false)  // EXPANDED per field
        #expect(e3.field(number: 14)?.validatesUTF8 == true)
        #expect(e3.field(number: 70)?.isMap == true)  // map entries are not delimited
    }
}
