import ProtoJSON
import Testing

/// Nested messages whose length prefixes need one to four bytes, widened after the fact.
@Suite("Length prefixes")
struct LengthPrefixTests {
    /// String lengths whose prefixes take one, two, three and four bytes.
    static let lengths = [5, 130, 20_000, 2_100_000]

    /// A long string three messages deep converts to the binary built here by hand, and back.
    @Test(arguments: lengths)
    func nestedStringConverts(length: Int) throws {
        let codec = try Fixtures.codec("all_types.binpb")
        let index = try Fixtures.messageIndex("darwaza.testing.proto3.AllTypesProto3", in: "all_types.binpb")
        let text = String(repeating: "x", count: length)
        let json = #"{"recursiveMessage": {"optionalNestedMessage": {"corecursive": {"optionalString": "\#(text)"}}, "optionalInt32": 7}}"#

        let string = [0x72] + varint(length) + Array(text.utf8)  // optional_string = 14
        let corecursive = [0x12] + varint(string.count) + string  // NestedMessage.corecursive = 2
        let nested = [0x92, 0x01] + varint(corecursive.count) + corecursive  // optional_nested_message = 18
        let recursive = nested + [0x08, 0x07]  // optional_int32 = 1
        let expected = [0xDA, 0x01] + varint(recursive.count) + recursive  // recursive_message = 27

        let binary = try codec.binary(fromJSON: Array(json.utf8), messageIndex: index)
        #expect(binary.count == expected.count)
        #expect(binary == expected)
        let back = try codec.json(fromBinary: binary, messageIndex: index)
        let expectedJSON = #"{"recursiveMessage":{"optionalInt32":7,"optionalNestedMessage":{"corecursive":{"optionalString":"\#(text)"}}}}"#
        #expect(String(decoding: back, as: UTF8.self) == expectedJSON)
        try codec.validate(binary, messageIndex: index)
    }

    /// A packed array long enough for a three-byte prefix, inside a repeated message element.
    @Test func longPackedArrayInRepeatedMessage() throws {
        let codec = try Fixtures.codec("all_types.binpb")
        let index = try Fixtures.messageIndex("darwaza.testing.proto3.AllTypesProto3", in: "all_types.binpb")
        let values = (0..<10_000).map { $0 * 1000 }
        let json = #"{"repeatedNestedMessage": [{}, {"corecursive": {"repeatedInt64": [\#(values.map(String.init).joined(separator: ","))]}}]}"#

        let payload = values.flatMap { varint($0) }
        let packed = [0xD2, 0x02] + varint(payload.count) + payload  // repeated_int64 = 42
        let corecursive = [0x12] + varint(packed.count) + packed
        let expected = [0xD2, 0x03, 0x00] + [0xD2, 0x03] + varint(corecursive.count) + corecursive  // field 58

        let binary = try codec.binary(fromJSON: Array(json.utf8), messageIndex: index)
        #expect(binary == expected)
    }
}

/// The protobuf varint encoding of a non-negative integer.
private func varint(_ value: Int) -> [UInt8] {
    var value = UInt64(value)
    var bytes: [UInt8] = []
    while value >= 0x80 {
        bytes.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
    }
    bytes.append(UInt8(value))
    return bytes
}
