import ProtoSchema

/// Reading the special JSON forms of the well-known types.
extension JSONToBinary {
    mutating func parseWellKnown(_ type: WellKnownType, _ message: MessageDescriptor, depth: Int) throws(CodecError) {
        switch type {
        case .any:
            try parseAny(depth: depth)
        case .timestamp, .duration:
            let start = scanner.valueStart()
            guard scanner.peek() == UInt8(ascii: "\"") else { throw mismatch(expected: "string") }
            let token = try scanner.readString()
            let parsed = scanner.withBytes(of: token) { text in
                type == .timestamp ? TimeFormats.parseTimestamp(text) : TimeFormats.parseDuration(text)
            }
            guard let (seconds, nanos) = parsed else {
                let form = type == .timestamp ? "an RFC 3339 timestamp" : "a duration such as \"1.5s\""
                throw CodecError("expected \(form), got \(scanner.snippet(at: start))")
            }
            if seconds != 0 {
                out.appendTag(1, .varint)
                out.appendVarint(UInt64(bitPattern: seconds))
            }
            if nanos != 0 {
                out.appendTag(2, .varint)
                out.appendVarint(UInt64(bitPattern: Int64(nanos)))
            }
        case .fieldMask:
            try parseFieldMask()
        case .structValue:
            try parseStruct(depth: depth)
        case .value:
            try parseValue(depth: depth)
        case .listValue:
            try parseList(depth: depth)
        case .empty:
            try parseObject(message, messageIndex: -1, depth: depth, skippingTypeKey: false)
        default:  // the wrappers: the JSON value of their one field
            guard let field = message.fields.first else { throw CodecError("malformed wrapper \(message.fullName)") }
            try parseSingle(field, depth: depth, writeDefault: false)
        }
    }

    private mutating func parseFieldMask() throws(CodecError) {
        let start = scanner.valueStart()
        guard scanner.peek() == UInt8(ascii: "\"") else { throw mismatch(expected: "string") }
        let token = try scanner.readString()
        let paths = scanner.string(of: token)
        guard !paths.isEmpty else { return }
        for path in paths.split(separator: ",", omittingEmptySubsequences: false) {
            guard let snakeCase = FieldMaskNames.snakeCase(path) else {
                throw CodecError("invalid field mask path in \(scanner.snippet(at: start))")
            }
            out.appendTag(1, .lengthDelimited)
            out.appendVarint(UInt64(snakeCase.utf8.count))
            out.append(contentsOf: snakeCase.utf8)
        }
    }

    /// `google.protobuf.Struct`: any JSON object, as map<string, Value> field 1.
    private mutating func parseStruct(depth: Int) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "object") }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) { return }
        repeat {
            let key = try scanner.readString()
            let keyText = scanner.string(of: key)
            out.appendTag(1, .lengthDelimited)
            let entry = out.openLengthPrefix()
            out.appendTag(1, .lengthDelimited)
            out.appendVarint(UInt64(keyText.utf8.count))
            out.append(contentsOf: keyText.utf8)
            do throws(CodecError) {
                try scanner.expect(UInt8(ascii: ":"))
                out.appendTag(2, .lengthDelimited)
                let value = out.openLengthPrefix()
                try parseValue(depth: depth + 1)
                out.closeLengthPrefix(value)
            } catch {
                throw error.inField(keyText)
            }
            out.closeLengthPrefix(entry)
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    /// `google.protobuf.ListValue`: any JSON array, as repeated Value field 1.
    private mutating func parseList(depth: Int) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "[") else { throw mismatch(expected: "array") }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "]")) { return }
        var index = 0
        repeat {
            out.appendTag(1, .lengthDelimited)
            let value = out.openLengthPrefix()
            do throws(CodecError) { try parseValue(depth: depth + 1) } catch { throw error.atIndex(index) }
            out.closeLengthPrefix(value)
            index += 1
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
    }

    /// `google.protobuf.Value`: any JSON value, as the matching member of its `kind` oneof.
    private mutating func parseValue(depth: Int) throws(CodecError) {
        guard depth <= options.maxDepth else { throw CodecError("nesting exceeds the depth limit of \(options.maxDepth)") }
        switch scanner.peek() {
        case UInt8(ascii: "{"):
            out.appendTag(5, .lengthDelimited)
            let start = out.openLengthPrefix()
            try parseStruct(depth: depth)
            out.closeLengthPrefix(start)
        case UInt8(ascii: "["):
            out.appendTag(6, .lengthDelimited)
            let start = out.openLengthPrefix()
            try parseList(depth: depth)
            out.closeLengthPrefix(start)
        case UInt8(ascii: "\""):
            let token = try scanner.readString()
            scanner.withBytes(of: token) { text in
                out.appendTag(3, .lengthDelimited)
                out.appendVarint(UInt64(text.count))
                out.append(contentsOf: text)
            }
        default:
            if scanner.consumeNull() {
                out.append(contentsOf: [0x08, 0x00])
            } else if scanner.consumeLiteral("true") {
                out.append(contentsOf: [0x20, 0x01])
            } else if scanner.consumeLiteral("false") {
                out.append(contentsOf: [0x20, 0x00])
            } else {
                let value = try readDouble(.double)
                out.appendTag(2, .fixed64)
                out.appendFixed64(value.bitPattern)
            }
        }
    }

    /// `google.protobuf.Any`: `{"@type": URL, ...fields}`, or `{"@type": URL, "value": ...}`
    /// for a well-known type. `@type` may come anywhere in the object, so it is found first.
    private mutating func parseAny(depth: Int) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "object") }
        let objectStart = scanner.position
        guard let typeURL = try findTypeURL() else {
            scanner.position = objectStart + 1
            if scanner.consume(UInt8(ascii: "}")) { return }
            throw CodecError("Any is missing \"@type\"")
        }
        // The type name is what follows the last slash, as when an Any is written.
        guard let slash = typeURL.lastIndex(of: "/"),
            let typeIndex = pool.messageIndex(named: String(typeURL[typeURL.index(after: slash)...]))
        else {
            throw CodecError("type \"\(typeURL)\" of Any is not in the descriptor pool").inField("@type")
        }
        // The packed message is one level deeper, as the binary reader counts it.
        guard depth < options.maxDepth else {
            throw CodecError("nesting exceeds the depth limit of \(options.maxDepth)")
        }
        out.appendTag(1, .lengthDelimited)
        out.appendVarint(UInt64(typeURL.utf8.count))
        out.append(contentsOf: typeURL.utf8)
        out.appendTag(2, .lengthDelimited)
        let start = out.openLengthPrefix()
        scanner.position = objectStart
        let target = pool.messages[typeIndex]
        if let wellKnown = target.wellKnownType {
            try parseWrappedWellKnown(wellKnown, target, depth: depth + 1)
        } else {
            try parseObject(target, messageIndex: typeIndex, depth: depth + 1, skippingTypeKey: true)
        }
        out.closeLengthPrefix(start)
    }

    /// Scans the object at the cursor for its `@type` key and returns its value.
    private mutating func findTypeURL() throws(CodecError) -> String? {
        var probe = scanner
        probe.position += 1
        if probe.consume(UInt8(ascii: "}")) { return nil }
        repeat {
            let key = try probe.readString()
            let isType = probe.withBytes(of: key) { $0.elementsEqual("@type".utf8) }
            try probe.expect(UInt8(ascii: ":"))
            if isType {
                guard probe.peek() == UInt8(ascii: "\"") else { throw CodecError("expected string").inField("@type") }
                // Read the token before taking its text: `string(of:)` reads the unescaped buffer
                // that `readString` fills, and a receiver is evaluated before the arguments.
                let token = try probe.readString()
                return probe.string(of: token)
            }
            try probe.skipValue(depth: options.maxDepth)
        } while probe.consume(UInt8(ascii: ","))
        try probe.expect(UInt8(ascii: "}"))
        return nil
    }

    /// The body of an Any holding a well-known type: `@type` and `value` keys only.
    private mutating func parseWrappedWellKnown(
        _ type: WellKnownType, _ message: MessageDescriptor, depth: Int
    ) throws(CodecError) {
        try scanner.expect(UInt8(ascii: "{"))
        var sawValue = false
        repeat {
            let keyToken = try scanner.readString()
            let key = scanner.string(of: keyToken)
            try scanner.expect(UInt8(ascii: ":"))
            switch key {
            case "@type":
                try scanner.skipValue(depth: 1)
            case "value" where !sawValue:
                sawValue = true
                do throws(CodecError) {
                    try parseWellKnown(type, message, depth: depth)
                } catch {
                    throw error.inField("value")
                }
            default:
                if options.ignoreUnknownFields {
                    try scanner.skipValue(depth: options.maxDepth - depth)
                } else {
                    throw CodecError("unknown field").inField(key)
                }
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }
}
