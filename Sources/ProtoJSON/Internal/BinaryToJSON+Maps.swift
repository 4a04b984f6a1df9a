import ProtoSchema

/// Writing map fields (and `google.protobuf.Struct`, a map underneath) as JSON objects.
extension BinaryToJSON {
    /// A map key: the bits of a scalar key, or where a string key's bytes are in the input.
    private enum MapKey {
        case bits(UInt64)
        case text(Range<Int>)

        func equals(_ other: MapKey, in bytes: UnsafeRawBufferPointer) -> Bool {
            switch (self, other) {
            case (.bits(let a), .bits(let b)): a == b
            case (.text(let a), .text(let b)): bytes[a].elementsEqual(bytes[b])
            default: false
            }
        }

        func hashKey(in bytes: UnsafeRawBufferPointer) -> [UInt8] {
            switch self {
            case .bits(let bits): withUnsafeBytes(of: bits) { Array($0) }
            case .text(let range): Array(bytes[range])
            }
        }
    }

    /// Writes the entries of a map field as an object, the last entry of each key winning;
    /// returns the number of entries written.
    @discardableResult
    mutating func writeMap(
        _ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ group: Range<Int>, depth: Int
    ) throws(CodecError) -> Int {
        let entryIndex = field.messageIndex
        let entry = pool.messages[entryIndex]
        guard entry.fields.count == 2 else { throw CodecError("malformed map entry type \(entry.fullName)") }
        let keyField = entry.fields[0]
        let valueField = entry.fields[1]
        let live = try liveEntries(group, bytes, entryIndex, keyField: keyField, valueField: valueField, depth: depth)
        openContainer(UInt8(ascii: "{"))
        var first = true
        var count = 0
        for position in group where live.isEmpty || live[position - group.lowerBound] {
            let occurrence = occurrences[position]
            let base = try scan(bytes, occurrence.start..<occurrence.end, entryIndex, depth: depth + 1)
            defer { occurrences.removeSubrange(base...) }
            let keyGroup = fieldGroup(0, from: base)
            let valueGroup = fieldGroup(1, from: base)
            if let last = valueGroup.last, isUnknownClosedEnum(valueField, bytes, occurrences[last]) { continue }
            beginEntry(first: &first)
            count += 1
            let keyStart = out.count
            try writeMapKey(keyField, bytes, keyGroup.last.map { occurrences[$0] })
            let keyEnd = out.count
            out.append(UInt8(ascii: ":"))
            if options.indent > 0 { out.append(UInt8(ascii: " ")) }
            do throws(CodecError) {
                if valueGroup.isEmpty {
                    try writeDefaultValue(valueField, depth: depth)
                } else {
                    try writeSingle(valueField, bytes, valueGroup, depth: depth)
                }
            } catch {
                throw error.atKey(String(decoding: out[(keyStart + 1)..<(keyEnd - 1)], as: UTF8.self))
            }
        }
        closeContainer(UInt8(ascii: "}"), empty: first)
        return count
    }

    /// The occurrences of field `index` among those pushed since `base` (all of one entry),
    /// which it sorts by field so that each field's occurrences are one range.
    private mutating func fieldGroup(_ index: UInt32, from base: Int) -> Range<Int> {
        if !isSorted(from: base) { occurrences[base...].sort { ($0.key, $0.start) < ($1.key, $1.start) } }
        let lower = occurrences[base...].firstIndex { $0.key == index } ?? occurrences.count
        var upper = lower
        while upper < occurrences.count, occurrences[upper].key == index { upper += 1 }
        return lower..<upper
    }

    /// For maps with several entries, which entries are not replaced by a later one with the
    /// same key; empty when all are live. An entry whose value is an unknown value of a closed
    /// enum is an unknown field: it is not live and replaces nothing.
    private mutating func liveEntries(
        _ group: Range<Int>, _ bytes: UnsafeRawBufferPointer, _ entryIndex: Int, keyField: FieldDescriptor,
        valueField: FieldDescriptor, depth: Int
    ) throws(CodecError) -> [Bool] {
        guard group.count > 1 else { return [] }
        var keys: [MapKey?] = []
        keys.reserveCapacity(group.count)
        for position in group {
            let occurrence = occurrences[position]
            let base = try scan(bytes, occurrence.start..<occurrence.end, entryIndex, depth: depth + 1)
            let last = occurrences[base...].last { $0.key == 0 }
            let unknownValue =
                valueField.kind == .enumeration
                && (occurrences[base...].last { $0.key == 1 }.map { isUnknownClosedEnum(valueField, bytes, $0) } ?? false)
            occurrences.removeSubrange(base...)
            if unknownValue {
                keys.append(nil)
            } else if let last, last.wireType == .lengthDelimited {
                keys.append(.text(last.start..<last.end))
            } else if let last {
                let bits = try readBits(bytes, last.start..<last.end, last.wireType)
                let narrow = keyField.kind.wireType == .varint && !keyField.kind.is64BitInteger
                keys.append(.bits(narrow ? UInt64(UInt32(truncatingIfNeeded: bits)) : bits))
            } else {
                keys.append(keyField.kind == .string ? .text(0..<0) : .bits(0))
            }
        }
        var live = keys.map { $0 != nil }
        var anyReplaced = live.contains(false)
        if keys.count <= 16 {
            for i in keys.indices {
                guard let key = keys[i] else { continue }
                for j in (i + 1)..<keys.count where keys[j].map({ key.equals($0, in: bytes) }) ?? false {
                    live[i] = false
                    anyReplaced = true
                    break
                }
            }
        } else {
            var lastIndex: [[UInt8]: Int] = [:]
            for (index, key) in keys.enumerated() { if let key { lastIndex[key.hashKey(in: bytes)] = index } }
            for (index, key) in keys.enumerated() {
                guard let key, lastIndex[key.hashKey(in: bytes)] != index else { continue }
                live[index] = false
                anyReplaced = true
            }
        }
        return anyReplaced ? live : []
    }

    /// Writes a map key as a JSON string, whatever its type.
    private mutating func writeMapKey(_ keyField: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ occurrence: Occurrence?) throws(CodecError) {
        guard let occurrence else {
            return keyField.kind == .bool ? out.appendASCII("\"false\"") : (keyField.kind == .string ? out.appendASCII("\"\"") : out.appendASCII("\"0\""))
        }
        if keyField.kind == .string { return try writeScalar(keyField, bytes, occurrence) }
        let bits = try readBits(bytes, occurrence.start..<occurrence.end, occurrence.wireType)
        let quoted = keyField.kind.is64BitInteger
        if !quoted { out.append(UInt8(ascii: "\"")) }
        writeScalarBits(keyField, bits)
        if !quoted { out.append(UInt8(ascii: "\"")) }
    }

    /// Writes the default JSON value of a map value that its entry left out.
    private mutating func writeDefaultValue(_ field: FieldDescriptor, depth: Int) throws(CodecError) {
        switch field.kind {
        case .message, .group:
            try [UInt8]().withBytes { (empty) throws(CodecError) in
                try writeMessage(empty, 0..<0, field.messageIndex, depth: depth + 1)
            }
        case .string, .bytes: out.appendASCII("\"\"")
        case .enumeration:
            writeScalarBits(field, UInt64(bitPattern: Int64(pool.enums[field.enumIndex].values.first?.number ?? 0)))
        default: writeScalarBits(field, 0)
        }
    }
}
