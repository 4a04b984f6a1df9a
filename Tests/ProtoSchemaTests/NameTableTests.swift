import ProtoSchema
import Testing

/// The byte-keyed name table used to resolve JSON keys.
@Suite("Name table")
struct NameTableTests {
    /// Names are found by string and by raw bytes; others are not.
    @Test func looksUpNames() {
        let table = NameTable([("optionalInt32", 0), ("optional_int32", 0), ("a", 1), ("", 2), ("ключ", 3)])
        #expect(table.value(for: "optionalInt32") == 0)
        #expect(table.value(for: "optional_int32") == 0)
        #expect(table.value(for: "a") == 1)
        #expect(table.value(for: "") == 2)
        #expect(table.value(for: "ключ") == 3)
        #expect(table.value(for: "b") == nil)
        #expect(table.value(for: "optionalint32") == nil)
        #expect(table.value(for: "optionalInt32 ") == nil)
        let bytes = Array("a".utf8)
        #expect(bytes.withUnsafeBytes { table.value(for: $0) } == 1)
    }

    /// When a name is given twice, its first value wins.
    @Test func firstValueWins() {
        let table = NameTable([("x", 1), ("x", 2), ("y", 3)])
        #expect(table.value(for: "x") == 1)
        #expect(table.value(for: "y") == 3)
    }

    /// Many names, forcing collisions and a large table, all resolve.
    @Test func manyNames() {
        let names = (0..<2000).map { "field_\($0)" }
        let table = NameTable(names.enumerated().map { ($0.element, $0.offset) })
        for (index, name) in names.enumerated() { #expect(table.value(for: name) == index) }
        #expect(table.value(for: "field_2000") == nil)
    }

    /// An empty table finds nothing.
    @Test func emptyTable() {
        let table = NameTable([])
        #expect(table.value(for: "") == nil)
        #expect(table.value(for: "a") == nil)
    }
}
