import ProtoJSON
import ProtoSchema
import Testing

/// The low-level `Wire` helpers: listing the fields of a message and appending fields.
@Suite("Wire")
struct WireTests {
    /// Every wire type is listed with its number, bits, payload and range, in input order.
    @Test func listsFields() throws {
        let bytes: [UInt8] = [
            0x08, 0x96, 0x01,  // 0..<3: field 1, varint 150
            0x12, 0x02, 0x61, 0x62,  // 3..<7: field 2, "ab"
            0x1D, 0x01, 0x00, 0x00, 0x00,  // 7..<12: field 3, fixed32 1
            0x21, 0x02, 0, 0, 0, 0, 0, 0, 0,  // 12..<21: field 4, fixed64 2
            0x2B, 0x08, 0x01, 0x2C,  // 21..<25: field 5, a group holding field 1 = 1
            0x08, 0x00,  // 25..<27: field 1 again, varint 0
        ]
        let fields = try Wire.fields(of: bytes)
        #expect(fields.map(\.number) == [1, 2, 3, 4, 5, 1])
        #expect(fields.map(\.wireType) == [.varint, .lengthDelimited, .fixed32, .fixed64, .startGroup, .varint])
        #expect(fields.map(\.bits) == [150, 0, 1, 2, 0, 0])
        #expect(fields.map(\.payload) == [1..<3, 5..<7, 8..<12, 13..<21, 22..<24, 26..<27])
        #expect(fields.map(\.range) == [0..<3, 3..<7, 7..<12, 12..<21, 21..<25, 25..<27])
    }

    /// An empty message has no fields.
    @Test func emptyMessage() throws {
        #expect(try Wire.fields(of: []).isEmpty)
    }

    /// Malformed input fails with the same errors as the codec.
    @Test(arguments: [
        ([0x08], "truncated varint"),
        ([0x12, 0x05, 0x61], "length 5 runs past the end of the input"),
        ([0x0B], "group 1 is not terminated"),
        ([0x0B, 0x14], "group 1 ended by end-group tag of field 2"),
        ([0x0F], "invalid wire type 7 for field 1"),
        ([0x00], "invalid field number 0"),
    ] as [([UInt8], String)])
    func rejectsMalformedInput(bytes: [UInt8], expected: String) {
        do {
            let fields = try Wire.fields(of: bytes)
            Issue.record("expected \"\(expected)\", got \(fields.count) fields")
        } catch {
            #expect(error.description == expected)
        }
    }

    /// Nested groups deeper than the limit are rejected.
    @Test func groupDepthLimit() {
        let bytes = [UInt8](repeating: 0x0B, count: 3) + [UInt8](repeating: 0x0C, count: 3)
        #expect(throws: Never.self) { try Wire.fields(of: bytes, maxDepth: 3) }
        do {
            _ = try Wire.fields(of: bytes, maxDepth: 2)
            Issue.record("three nested groups accepted with a limit of two")
        } catch {
            #expect(error.description == "nesting exceeds the depth limit of 2")
        }
    }

    /// Appended fields are encoded as protobuf binary, lengths of any size included.
    @Test func appendsFields() {
        var out: [UInt8] = []
        Wire.appendField(number: 1, varint: 300, to: &out)
        Wire.appendField(number: 16, bytes: [0x61, 0x62], to: &out)
        Wire.appendField(number: 2, bytes: [UInt8](repeating: 7, count: 200), to: &out)
        #expect(Array(out.prefix(11)) == [0x08, 0xAC, 0x02, 0x82, 0x01, 0x02, 0x61, 0x62, 0x12, 0xC8, 0x01])
        #expect(out.count == 11 + 200)
        #expect(out.suffix(200).allSatisfy { $0 == 7 })
    }
}
