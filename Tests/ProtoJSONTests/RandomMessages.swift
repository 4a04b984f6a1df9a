import ProtoSchema

// A few fields each (by JSON or proto name), at most one member per oneof, values of every JSON
// form the mapping accepts, and nesting bounded by `maxDepth`.
/// Random valid JSON for any message type of a pool, driven by its descriptors.
struct RandomMessages {
    let pool: DescriptorPool
    let maxDepth = 4

    /// A JSON object (or well-known form) of the message at `index`.
    func message(_ index: Int, depth: Int = 0, using rng: inout SplitMix64) -> String {
        let message = pool.messages[index]
        if let wellKnown = message.wellKnownType { return self.wellKnown(wellKnown, message, depth: depth, using: &rng) }
        guard !message.fields.isEmpty else { return "{}" }
        var members: [String] = []
        var usedFields: Set<Int> = []
        var usedOneofs: Set<Int> = []
        for _ in 0..<(depth >= maxDepth ? 0 : rng.below(depth == 0 ? 8 : 4)) {
            let fieldIndex = rng.below(message.fields.count)
            let field = message.fields[fieldIndex]
            guard usedFields.insert(fieldIndex).inserted else { continue }
            if field.oneofIndex >= 0, !usedOneofs.insert(field.oneofIndex).inserted { continue }
            let name = rng.below(4) == 0 ? field.name : field.jsonName
            members.append("\"\(escapingFirst(name, &rng))\": \(value(field, depth: depth, using: &rng))")
        }
        if message.isExtensible, rng.below(3) == 0 {
            let extensions = pool.extensionFields(extendeeIndex: index)
            if let field = extensions.isEmpty ? nil : extensions[rng.below(extensions.count)] {
                members.append("\"\(field.jsonName)\": \(value(field, depth: depth, using: &rng))")
            }
        }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// A value of a field: an array for repeated fields, an object for maps.
    func value(_ field: FieldDescriptor, depth: Int, using rng: inout SplitMix64) -> String {
        if field.isMap {
            let entry = pool.messages[field.messageIndex]
            let entries = (0..<rng.below(3)).map { number in
                "\"\(mapKey(entry.fields[0], number: number, using: &rng))\": \(single(entry.fields[1], depth: depth, repeated: true, using: &rng))"
            }
            return "{" + entries.joined(separator: ", ") + "}"
        }
        if field.isRepeated {
            return "[" + (0..<rng.below(4)).map { _ in single(field, depth: depth, repeated: true, using: &rng) }.joined(separator: ", ") + "]"
        }
        return single(field, depth: depth, repeated: false, using: &rng)
    }

    /// One value of a field's type; `repeated` avoids `null`, which is no element of an array.
    private func single(_ field: FieldDescriptor, depth: Int, repeated: Bool, using rng: inout SplitMix64) -> String {
        switch field.kind {
        case .message, .group:
            return message(field.messageIndex, depth: depth + 1, using: &rng)
        case .enumeration:
            let enumType = pool.enums[field.enumIndex]
            if enumType.isNullValue { return repeated || rng.below(2) == 0 ? "\"NULL_VALUE\"" : "null" }
            let value = enumType.values[rng.below(enumType.values.count)]
            switch rng.below(enumType.isClosed ? 3 : 4) {
            case 0: return String(value.number)
            case 1: return "\"\(value.number)\""
            case 2: return "\"\(value.name)\""
            default: return String(rng.below(100))  // open enums keep unknown numbers
            }
        case .bool: return rng.below(2) == 0 ? "true" : "false"
        case .string: return pick(["\"\"", "\"x\"", "\"caf\\u00e9 \\ud83d\\ude00\"", "\"tab\\t\\\"q\\\"\"", "\"ü\""], &rng)
        case .bytes: return pick(["\"\"", "\"AQ==\"", "\"AQI\"", "\"-_8\"", "\"+/+/\""], &rng)
        case .float: return pick(["0", "-0.0", "1.5", "\"NaN\"", "\"-Infinity\"", "3.4028235e38", "1e-45", "\"0.1\""], &rng)
        case .double: return pick(["0", "-0.0", "0.1", "\"Infinity\"", "1.7976931348623157e308", "5e-324", "\"1e2\"", "-7"], &rng)
        case .int32, .sint32, .sfixed32: return pick(["0", "-1", "2147483647", "-2147483648", "\"12\"", "1e3", "5.0"], &rng)
        case .uint32, .fixed32: return pick(["0", "1", "4294967295", "\"7\"", "1e2"], &rng)
        case .int64, .sint64, .sfixed64:
            return pick(["0", "\"-9223372036854775808\"", "\"9223372036854775807\"", "-5", "\"1e3\"", "9007199254740993"], &rng)
        case .uint64, .fixed64: return pick(["0", "\"18446744073709551615\"", "5", "\"1e1\""], &rng)
        }
    }

    /// A map key of the key field's kind, distinct for each `number`.
    private func mapKey(_ field: FieldDescriptor, number: Int, using rng: inout SplitMix64) -> String {
        switch field.kind {
        case .string: return ["k", "", "ключ"][number]
        case .bool: return number == 0 ? "true" : "false"
        case .int32, .int64, .sint32, .sint64, .sfixed32, .sfixed64: return ["-1", "0", "7"][number]
        default: return ["0", "1", "4294967295"][number]
        }
    }

    /// The special JSON forms of the well-known types.
    private func wellKnown(_ type: WellKnownType, _ message: MessageDescriptor, depth: Int, using rng: inout SplitMix64) -> String {
        switch type {
        case .timestamp:
            return pick(["\"1970-01-01T00:00:00Z\"", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.999999999Z\"", "\"2024-02-29T12:00:00.5+01:00\""], &rng)
        case .duration: return pick(["\"0s\"", "\"-1.5s\"", "\"315576000000.999999999s\"", "\"0.000000001s\""], &rng)
        case .fieldMask: return pick(["\"\"", "\"fooBar\"", "\"a.b,cD\""], &rng)
        case .structValue: return pick(["{}", "{\"a\": 1, \"b\": [null, \"s\"]}", "{\"n\": {\"m\": true}}"], &rng)
        case .listValue: return pick(["[]", "[1, \"a\", {}]", "[[null]]"], &rng)
        case .value: return pick(["null", "1.5", "\"s\"", "true", "[1, {}]", "{\"k\": []}"], &rng)
        case .empty: return "{}"
        case .any:
            guard depth < maxDepth else { return "{}" }
            return pick([
                "{}",
                "{\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"1s\"}",
                "{\"value\": [1], \"@type\": \"type.googleapis.com/google.protobuf.ListValue\"}",
                "{\"@type\": \"type.googleapis.com/google.protobuf.Empty\"}",
                "{\"c\": 3, \"@type\": \"type.googleapis.com/darwaza.testing.proto3.ForeignMessage\"}",
                "{\"\\u0040type\": \"type.googleapis.com\\/google.protobuf.Timestamp\", \"valu\\u0065\": \"1970-01-01T00:00:00Z\"}",
            ], &rng)
        default:  // wrappers
            return single(message.fields[0], depth: depth, repeated: true, using: &rng)
        }
    }

    /// `name`, with its first character written as a `\u` escape one time in eight.
    private func escapingFirst(_ name: String, _ rng: inout SplitMix64) -> String {
        guard rng.below(8) == 0, let first = name.unicodeScalars.first, first.isASCII else { return name }
        let hex = String(first.value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex + name.unicodeScalars.dropFirst().map(String.init).joined()
    }

    /// One of `choices`.
    private func pick(_ choices: [String], _ rng: inout SplitMix64) -> String { choices[rng.below(choices.count)] }
}
