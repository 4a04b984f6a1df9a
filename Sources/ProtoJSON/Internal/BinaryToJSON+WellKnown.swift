import ProtoSchema

/// Writing the special JSON forms of the well-known types.
extension BinaryToJSON {
    mutating func writeWellKnown(
        _ type: WellKnownType, _ messageIndex: Int, _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>,
        depth: Int
    ) throws(CodecError) {
        let message = pool.messages[messageIndex]
        let base = try scan(bytes, range, messageIndex, depth: depth)
        defer { occurrences.removeSubrange(base...) }
        switch type {
        case .timestamp:
            let seconds = Int64(bitPattern: try lastBits(0, from: base, bytes))
            let nanos = Int32(truncatingIfNeeded: try lastBits(1, from: base, bytes))
            guard seconds >= TimeFormats.minTimestampSeconds, seconds <= TimeFormats.maxTimestampSeconds,
                nanos >= 0, nanos <= 999_999_999
            else { throw CodecError("timestamp \(seconds)s \(nanos)ns is outside 0001-01-01 to 9999-12-31") }
            TimeFormats.appendTimestamp(seconds: seconds, nanos: nanos, to: &out)
        case .duration:
            let seconds = Int64(bitPattern: try lastBits(0, from: base, bytes))
            let nanos = Int32(truncatingIfNeeded: try lastBits(1, from: base, bytes))
            guard seconds.magnitude <= TimeFormats.maxDurationSeconds, nanos.magnitude <= 999_999_999,
                (seconds <= 0 && nanos <= 0) || (seconds >= 0 && nanos >= 0)
            else { throw CodecError("duration \(seconds)s \(nanos)ns is out of range or mixes signs") }
            TimeFormats.appendDuration(seconds: seconds, nanos: nanos, to: &out)
        case .fieldMask:
            var paths: [String] = []
            for occurrence in occurrences[base...] where occurrence.key == 0 {
                let range = occurrence.start..<occurrence.end
                guard UTF8Validation.isValid(bytes, range) else { throw CodecError("invalid UTF-8 in field mask path") }
                let path = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                guard let camel = FieldMaskNames.camelCase(Substring(path)) else {
                    throw CodecError("field mask path \"\(path)\" has no JSON form")
                }
                paths.append(camel)
            }
            out.appendJSONString(paths.joined(separator: ","))
        case .structValue:
            guard let field = message.fields.first else { throw CodecError("malformed \(message.fullName)") }
            try writeMap(field, bytes, base..<occurrences.count, depth: depth)
        case .listValue:
            guard let field = message.fields.first else { throw CodecError("malformed \(message.fullName)") }
            try writeRepeated(field, bytes, base..<occurrences.count, depth: depth)
        case .value:
            try writeValue(message, bytes, from: base, depth: depth)
        case .empty:
            out.appendASCII("{}")
        case .any:
            try writeAny(bytes, from: base, depth: depth)
        default:  // wrappers: their value field alone
            guard let field = message.fields.first else { throw CodecError("malformed \(message.fullName)") }
            if occurrences.count > base {
                try writeScalar(field, bytes, occurrences[occurrences.count - 1])
            } else if field.kind == .string || field.kind == .bytes {
                out.appendASCII("\"\"")
            } else {
                writeScalarBits(field, 0)
            }
        }
    }

    /// The bits of the last occurrence of field `index`, or 0.
    private func lastBits(_ index: UInt32, from base: Int, _ bytes: UnsafeRawBufferPointer) throws(CodecError) -> UInt64 {
        guard let last = occurrences[base...].last(where: { $0.key == index }) else { return 0 }
        return try readBits(bytes, last.start..<last.end, last.wireType)
    }

    /// `google.protobuf.Value`: the member of `kind` set last; `null` when none is (as Python's
    /// and Java's JSON printers write it).
    private mutating func writeValue(
        _ message: MessageDescriptor, _ bytes: UnsafeRawBufferPointer, from base: Int, depth: Int
    ) throws(CodecError) {
        guard let last = occurrences[base...].max(by: { $0.start < $1.start }) else {
            return out.appendASCII("null")
        }
        let field = message.fields[Int(last.key)]
        switch field.number {
        case 1: out.appendASCII("null")
        case 2:
            let value = Double(bitPattern: try readBits(bytes, last.start..<last.end, last.wireType))
            guard value.isFinite else { throw CodecError("google.protobuf.Value cannot hold \(value)") }
            out.appendJSONDouble(value)
        case 5, 6:
            occurrences[base...].sort { ($0.key, $0.start) < ($1.key, $1.start) }
            let group = occurrences[base...].indices.filter { occurrences[$0].key == last.key }
            guard let lower = group.first, let upper = group.last else { return }
            // A Value and the Struct or ListValue it holds are one JSON level, as when reading.
            try writeSingle(field, bytes, lower..<(upper + 1), depth: depth - 1)
        default:
            try writeScalar(field, bytes, last)
        }
    }

    /// `google.protobuf.Any`: `@type`, then the packed message's fields, or `value` for a
    /// well-known type.
    private mutating func writeAny(_ bytes: UnsafeRawBufferPointer, from base: Int, depth: Int) throws(CodecError) {
        let typeOccurrence = occurrences[base...].last { $0.key == 0 }
        let valueRanges = occurrences[base...].filter { $0.key == 1 }.map { $0.start..<$0.end }
        guard let typeOccurrence, typeOccurrence.start < typeOccurrence.end else {
            guard valueRanges.allSatisfy(\.isEmpty) else { throw CodecError("Any has a value but no type URL") }
            return out.appendASCII("{}")
        }
        let typeRange = typeOccurrence.start..<typeOccurrence.end
        guard UTF8Validation.isValid(bytes, typeRange) else { throw CodecError("invalid UTF-8 in Any type URL") }
        let typeURL = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[typeRange]), as: UTF8.self)
        guard let slash = typeURL.lastIndex(of: "/"),
            let typeIndex = pool.messageIndex(named: String(typeURL[typeURL.index(after: slash)...]))
        else { throw CodecError("type \"\(typeURL)\" of Any is not in the descriptor pool") }
        var value: [UInt8] = []
        for range in valueRanges { value.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range])) }
        openContainer(UInt8(ascii: "{"))
        var first = true
        writeKey("@type", first: &first)
        out.appendJSONString(typeURL)
        try value.withBytes { (value) throws(CodecError) in
            // Empty's JSON is an ordinary object, so it is inlined like any other message.
            if let wellKnown = pool.messages[typeIndex].wellKnownType, wellKnown != .empty {
                writeKey("value", first: &first)
                try writeMessage(value, 0..<value.count, typeIndex, depth: depth + 1)
            } else {
                guard depth + 1 <= options.maxDepth else {
                    throw CodecError("nesting exceeds the depth limit of \(options.maxDepth)")
                }
                try writeFields(value, 0..<value.count, typeIndex, depth: depth + 1, first: &first)
            }
        }
        closeContainer(UInt8(ascii: "}"), empty: false)
    }
}
