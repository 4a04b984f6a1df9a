import ProtoSchema

/// Reads protobuf JSON and writes the binary encoding of the same message in one pass:
/// each key is resolved through the message's name table and each value written as it is read.
struct JSONToBinary {
    let pool: DescriptorPool
    let options: JSONDecodingOptions
    var scanner: JSONScanner
    var out: [UInt8] = []

    init(pool: DescriptorPool, options: JSONDecodingOptions, json: UnsafeRawBufferPointer) {
        self.pool = pool
        self.options = options
        self.scanner = JSONScanner(json)
        out.reserveCapacity(json.count)
    }

    /// Converts the whole input, a JSON value of the message at `messageIndex`.
    mutating func convert(messageIndex: Int) throws(CodecError) -> [UInt8] {
        try parseMessageValue(messageIndex, depth: 0)
        if scanner.peek() != nil { throw CodecError("unexpected data after the JSON value at offset \(scanner.position)") }
        return out
    }

    /// Writes the fields of a message read from its JSON value (an object, or the special
    /// form of a well-known type).
    mutating func parseMessageValue(_ messageIndex: Int, depth: Int) throws(CodecError) {
        guard depth <= options.maxDepth else {
            throw CodecError("nesting exceeds the depth limit of \(options.maxDepth)")
        }
        let message = pool.messages[messageIndex]
        if let wellKnown = message.wellKnownType {
            try parseWellKnown(wellKnown, message, depth: depth)
        } else {
            try parseObject(message, messageIndex: messageIndex, depth: depth, skippingTypeKey: false)
        }
    }

    /// Writes the fields of a JSON object; `skippingTypeKey` ignores the `@type` of an `Any`.
    mutating func parseObject(
        _ message: MessageDescriptor, messageIndex: Int, depth: Int, skippingTypeKey: Bool
    ) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "object") }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) { return }
        var seen = FieldSet(capacity: message.fields.count)
        var seenExtensions: Set<UInt32> = []
        var oneofsSet = FieldSet(capacity: message.oneofs.count)
        repeat {
            let key = try scanner.readString()
            let fieldIndex = scanner.withBytes(of: key) { message.fieldNames.value(for: $0) }
            let field: FieldDescriptor
            if let fieldIndex {
                field = message.fields[fieldIndex]
                guard seen.insert(fieldIndex) else { throw CodecError("field given twice").inField(field.jsonName) }
            } else {
                let name = scanner.string(of: key)
                try scanner.expect(UInt8(ascii: ":"))
                if let ext = extensionField(named: name, of: messageIndex) {
                    guard seenExtensions.insert(ext.number).inserted else {
                        throw CodecError("field given twice").inField(ext.jsonName)
                    }
                    field = ext
                } else if (skippingTypeKey && name == "@type") || options.ignoreUnknownFields {
                    try scanner.skipValue(depth: options.maxDepth - depth)
                    continue
                } else {
                    throw CodecError("unknown field").inField(name)
                }
                try parseField(field, message, depth: depth, oneofsSet: &oneofsSet, colonRead: true)
                continue
            }
            try parseField(field, message, depth: depth, oneofsSet: &oneofsSet, colonRead: false)
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    private func extensionField(named name: String, of messageIndex: Int) -> FieldDescriptor? {
        guard name.hasPrefix("["), name.hasSuffix("]"),
            let field = pool.extensionField(named: String(name.dropFirst().dropLast())),
            field.extendeeIndex == messageIndex
        else { return nil }
        return field
    }

    private mutating func parseField(
        _ field: FieldDescriptor, _ message: MessageDescriptor, depth: Int, oneofsSet: inout FieldSet,
        colonRead: Bool
    ) throws(CodecError) {
        do throws(CodecError) {
            if !colonRead { try scanner.expect(UInt8(ascii: ":")) }
            if scanner.consumeNull() { return writeNull(field) }
            if field.oneofIndex >= 0, !oneofsSet.insert(field.oneofIndex) {
                throw CodecError("more than one field of oneof \(message.oneofs[field.oneofIndex].name) is set")
            }
            if field.isMap {
                try parseMap(field, depth: depth)
            } else if field.isRepeated {
                try parseRepeated(field, depth: depth)
            } else {
                try parseSingle(field, depth: depth, writeDefault: field.hasPresence)
            }
        } catch {
            throw error.inField(field.jsonName)
        }
    }

    /// `null` clears a field, except where it is a value: `google.protobuf.Value` and `NullValue`.
    private mutating func writeNull(_ field: FieldDescriptor) {
        if field.kind == .message, pool.messages[field.messageIndex].wellKnownType == .value {
            out.appendTag(field.number, .lengthDelimited)
            out.append(contentsOf: [2, 0x08, 0x00])  // length 2: null_value = NULL_VALUE
        } else if field.kind == .enumeration, pool.enums[field.enumIndex].isNullValue, field.hasPresence {
            out.appendTag(field.number, .varint)
            out.append(0)
        }
    }

    /// Writes one value of a field (a singular field, one element, or a map value); scalars
    /// equal to their default are left out unless `writeDefault`.
    mutating func parseSingle(_ field: FieldDescriptor, depth: Int, writeDefault: Bool) throws(CodecError) {
        switch field.kind {
        case .message:
            out.appendTag(field.number, .lengthDelimited)
            let start = out.openLengthPrefix()
            try parseMessageValue(field.messageIndex, depth: depth + 1)
            out.closeLengthPrefix(start)
        case .group:
            out.appendTag(field.number, .startGroup)
            try parseMessageValue(field.messageIndex, depth: depth + 1)
            out.appendTag(field.number, .endGroup)
        case .string:
            let token = try readStringValue(field)
            scanner.withBytes(of: token) { text in
                guard writeDefault || !text.isEmpty else { return }
                out.appendTag(field.number, .lengthDelimited)
                out.appendVarint(UInt64(text.count))
                out.append(contentsOf: text)
            }
        case .bytes:
            try parseBytes(field, writeDefault: writeDefault)
        default:
            guard let bits = try readScalarBits(field) else { return }
            guard writeDefault || bits != 0 else { return }
            out.appendTag(field.number, field.kind.wireType)
            writeScalarBits(bits, field.kind)
        }
    }

    private mutating func readStringValue(_ field: FieldDescriptor) throws(CodecError) -> JSONScanner.StringToken {
        guard scanner.peek() == UInt8(ascii: "\"") else { throw mismatch(expected: "string") }
        return try scanner.readString()
    }

    private mutating func parseBytes(_ field: FieldDescriptor, writeDefault: Bool) throws(CodecError) {
        let token = try readStringValue(field)
        try scanner.withBytes(of: token) { (text) throws(CodecError) in
            guard let length = Base64.decodedLength(text) else { throw CodecError("invalid base64 in bytes value") }
            guard writeDefault || length > 0 else { return }
            out.appendTag(field.number, .lengthDelimited)
            out.appendVarint(UInt64(length))
            guard Base64.decode(text, into: &out) else { throw CodecError("invalid base64 in bytes value") }
        }
    }

    /// Writes the bits of a numeric, bool or enum value in the wire form of `kind`.
    @inline(__always)
    mutating func writeScalarBits(_ bits: UInt64, _ kind: FieldKind) {
        switch kind.wireType {
        case .fixed32: out.appendFixed32(UInt32(truncatingIfNeeded: bits))
        case .fixed64: out.appendFixed64(bits)
        default: out.appendVarint(bits)
        }
    }

    private mutating func parseRepeated(_ field: FieldDescriptor, depth: Int) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "[") else { throw mismatch(expected: "array") }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "]")) { return }
        let packedStart: Int?
        if field.isPacked {
            out.appendTag(field.number, .lengthDelimited)
            packedStart = out.openLengthPrefix()
        } else {
            packedStart = nil
        }
        var index = 0
        repeat {
            do throws(CodecError) {
                if scanner.consumeNull() {
                    guard field.kind == .message, pool.messages[field.messageIndex].wellKnownType == .value else {
                        throw CodecError("null is not a valid element of a repeated field")
                    }
                    writeNull(field)
                } else if packedStart != nil {
                    if let bits = try readScalarBits(field) { writeScalarBits(bits, field.kind) }
                } else {
                    try parseSingle(field, depth: depth, writeDefault: true)
                }
            } catch {
                throw error.atIndex(index)
            }
            index += 1
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
        if let packedStart { out.closeLengthPrefix(packedStart) }
    }

    private mutating func parseMap(_ field: FieldDescriptor, depth: Int) throws(CodecError) {
        guard scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "object") }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) { return }
        let entry = pool.messages[field.messageIndex]
        guard entry.fields.count == 2 else { throw CodecError("malformed map entry type \(entry.fullName)") }
        let keyField = entry.fields[0]
        let valueField = entry.fields[1]
        repeat {
            let keyToken = try scanner.readString()
            let keyText = scanner.string(of: keyToken)
            do throws(CodecError) {
                try scanner.expect(UInt8(ascii: ":"))
                let entryStart = out.count
                out.appendTag(field.number, .lengthDelimited)
                let start = out.openLengthPrefix()
                try writeMapKey(keyField, keyToken)
                if scanner.consumeNull() {
                    guard valueField.kind == .message,
                        pool.messages[valueField.messageIndex].wellKnownType == .value
                    else { throw CodecError("null is not a valid map value") }
                    writeNull(valueField)
                } else {
                    let valueStart = out.count
                    try parseSingle(valueField, depth: depth, writeDefault: true)
                    // Nothing written: an unknown enum name skipped by ignoreUnknownFields, which
                    // drops the whole entry.
                    if out.count == valueStart {
                        out.removeSubrange(entryStart...)
                        continue
                    }
                }
                out.closeLengthPrefix(start)
            } catch {
                throw error.atKey(keyText)
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    /// Map keys are JSON strings whatever their type; they are parsed by the key field's kind.
    private mutating func writeMapKey(_ keyField: FieldDescriptor, _ token: JSONScanner.StringToken) throws(CodecError) {
        let kind = keyField.kind
        let bits: UInt64? = try scanner.withBytes(of: token) { (text) throws(CodecError) -> UInt64? in
            switch kind {
            case .string:
                out.appendTag(1, .lengthDelimited)
                out.appendVarint(UInt64(text.count))
                out.append(contentsOf: text)
                return nil
            case .bool:
                if text.elementsEqual("true".utf8) { return 1 }
                if text.elementsEqual("false".utf8) { return 0 }
                throw CodecError("invalid map key for bool: \"\(String(decoding: text, as: UTF8.self))\"")
            default:
                guard let token = JSONNumber.scanWhole(text), token.isInteger,
                    let bits = Self.integerBits(JSONNumber.integer(text, token), kind)
                else { throw CodecError("invalid map key for \(kind): \"\(String(decoding: text, as: UTF8.self))\"") }
                return bits
            }
        }
        if let bits {
            out.appendTag(1, kind.wireType)
            writeScalarBits(bits, kind)
        }
    }

    /// An error for a value of the wrong JSON type, quoting the value.
    func mismatch(expected: String) -> CodecError {
        CodecError("expected \(expected), got \(scanner.snippet())")
    }
}
