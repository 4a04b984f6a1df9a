import ProtoJSON
import Testing

// Otherwise a gateway forwards requests that it, and any protobuf server, cannot read.
/// JSON the reader accepts must give binary the binary reader (same depth limit) accepts too.
@Suite("Depth consistency")
struct DepthConsistencyTests {
    /// `optionalStruct` with `levels` nested objects, or `optionalListValue` with nested arrays.
    static func document(struct isStruct: Bool, levels: Int) -> String {
        let inner = isStruct ? String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels)
            : String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
        return isStruct ? #"{"optionalStruct": \#(inner)}"# : #"{"optionalListValue": \#(inner)}"#
    }

    /// Nested messages (one binary level per JSON level) are consistent at every depth.
    @Test func recursiveMessagesAreConsistent() throws {
        let codec = try Fixtures.codec("all_types.binpb")
        let index = try Fixtures.messageIndex("darwaza.testing.proto3.AllTypesProto3", in: "all_types.binpb")
        for levels in 1...102 {
            let json = String(repeating: #"{"recursiveMessage":"#, count: levels) + "{}" + String(repeating: "}", count: levels)
            guard let binary = try? codec.binary(fromJSON: Array(json.utf8), messageIndex: index) else {
                #expect(levels == 101, "JSON nested \(levels) deep rejected")
                return
            }
            #expect(throws: Never.self, "binary of JSON nested \(levels) deep") {
                _ = try codec.json(fromBinary: binary, messageIndex: index)
                try codec.validate(binary, messageIndex: index)
            }
        }
    }

    /// Struct and ListValue nesting is consistent too (a known issue: it is not).
    @Test(arguments: [true, false])
    func structAndListValueAreConsistent(isStruct: Bool) throws {
        // The JSON reader counts one level per JSON level, the binary-to-JSON writer two (Value,
        // then Struct or ListValue) and `validate` three for a Struct (its map entry too, as upb
        // and C++ count it): deep JSON is accepted but its binary is not.
        let codec = try Fixtures.codec("all_types.binpb")
        let index = try Fixtures.messageIndex("darwaza.testing.proto3.AllTypesProto3", in: "all_types.binpb")
        withKnownIssue("the JSON reader counts a Struct/ListValue level once; its binary is 2-3 levels deep per JSON level") {
            for levels in 1...101 {
                let json = Self.document(struct: isStruct, levels: levels)
                guard let binary = try? codec.binary(fromJSON: Array(json.utf8), messageIndex: index) else { continue }
                do {
                    _ = try codec.json(fromBinary: binary, messageIndex: index)
                    try codec.validate(binary, messageIndex: index)
                } catch {
                    Issue.record("\(isStruct ? "Struct" : "ListValue") nested \(levels) deep: JSON accepted, binary rejected: \(error)")
                    return
                }
            }
        }
    }
}
