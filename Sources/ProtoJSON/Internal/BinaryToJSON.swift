import ProtoSchema

/// Writes the JSON form of protobuf binary. Each message is first scanned into a list of field
/// occurrences (a shared stack, so nested messages allocate nothing), which is then written in
/// field order: repeated values gathered, the last of a singular field or oneof winning, and
/// repeated occurrences of a message field merged, as the protobuf rules say.
struct BinaryToJSON {
    /// Where a field's payload is in the input; `key` is the field's index in its message, or
    /// the message's field count plus the number for an extension.
    struct Occurrence {
        var key: UInt32
        var wireType: WireType
        var start: Int
        var end: Int
    }

    let pool: DescriptorPool
    let options: JSONEncodingOptions
    var out: [UInt8] = []
    var occurrences: [Occurrence] = []
    private var level = 0

    init(pool: DescriptorPool, options: JSONEncodingOptions, capacity: Int) {
        self.pool = pool
        self.options = options
        out.reserveCapacity(capacity)
        occurrences.reserveCapacity(64)
    }

    /// Converts a whole message.
    mutating func convert(_ bytes: UnsafeRawBufferPointer, messageIndex: Int) throws(CodecError) -> [UInt8] {
        try writeMessage(bytes, 0..<bytes.count, messageIndex, depth: 0)
        return out
    }

    /// Writes one message's JSON value.
    mutating func writeMessage(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ messageIndex: Int, depth: Int
    ) throws(CodecError) {
        guard depth <= options.maxDepth else { throw CodecError("nesting exceeds the depth limit of \(options.maxDepth)") }
        let message = pool.messages[messageIndex]
        if let wellKnown = message.wellKnownType {
            return try writeWellKnown(wellKnown, messageIndex, bytes, range, depth: depth)
        }
        openContainer(UInt8(ascii: "{"))
        var first = true
        try writeFields(bytes, range, messageIndex, depth: depth, first: &first)
        closeContainer(UInt8(ascii: "}"), empty: first)
    }

    /// Scans a message's bytes onto the occurrence stack, in input order; returns where its
    /// occurrences begin. Unknown fields and fields with a foreign wire type are skipped.
    mutating func scan(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ messageIndex: Int, depth: Int
    ) throws(CodecError) -> Int {
        let base = occurrences.count
        let message = pool.messages[messageIndex]
        let fieldCount = UInt32(message.fields.count)
        var reader = WireReader(bytes, from: range.lowerBound, to: range.upperBound)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            let payload = try reader.skipValue(number: number, wireType: wireType, depth: depth, maxDepth: options.maxDepth)
            let accepted: UInt8
            let key: UInt32
            if let index = message.fieldIndex(number: number) {
                accepted = message.acceptedWireTypes[index]
                key = UInt32(index)
            } else if message.isExtensible, let ext = pool.extensionField(extendeeIndex: messageIndex, number: number) {
                accepted = 1 << ext.kind.wireType.rawValue
                    | (ext.isRepeated && ext.kind.isPackable ? 1 << WireType.lengthDelimited.rawValue : 0)
                key = fieldCount + number
            } else {
                continue
            }
            guard accepted & (1 << wireType.rawValue) != 0 else { continue }
            occurrences.append(Occurrence(key: key, wireType: wireType, start: payload.lowerBound, end: payload.upperBound))
        }
        return base
    }

    /// Writes the fields of a message as members of an already open object.
    mutating func writeFields(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ messageIndex: Int, depth: Int, first: inout Bool
    ) throws(CodecError) {
        let base = try scan(bytes, range, messageIndex, depth: depth)
        defer { occurrences.removeSubrange(base...) }
        let message = pool.messages[messageIndex]
        // The last member of a oneof in the input is the one that is set; setting another member
        // clears it, so only its occurrences since then count. An unknown value of a closed enum
        // is an unknown field and sets nothing.
        var oneofWinners: [Int] = []
        var oneofRunStarts: [Int] = []
        if !message.oneofs.isEmpty {
            oneofWinners = [Int](repeating: -1, count: message.oneofs.count)
            oneofRunStarts = [Int](repeating: 0, count: message.oneofs.count)
            for occurrence in occurrences[base...] where occurrence.key < message.fields.count {
                let field = message.fields[Int(occurrence.key)]
                let oneof = field.oneofIndex
                guard oneof >= 0, oneofWinners[oneof] != Int(occurrence.key),
                    !isUnknownClosedEnum(field, bytes, occurrence)
                else { continue }
                oneofWinners[oneof] = Int(occurrence.key)
                oneofRunStarts[oneof] = occurrence.start
            }
        }
        if !isSorted(from: base) {
            occurrences[base...].sort { ($0.key, $0.start) < ($1.key, $1.start) }
        }
        var cursor = base
        for (index, field) in message.fields.enumerated() {
            let groupStart = cursor
            while cursor < occurrences.count, occurrences[cursor].key == index { cursor += 1 }
            if groupStart == cursor {
                if options.emitUnpopulated, !field.hasPresence { try writeUnpopulated(field, first: &first) }
                continue
            }
            var group = groupStart..<cursor
            if field.oneofIndex >= 0 {
                guard oneofWinners[field.oneofIndex] == index else { continue }
                while group.lowerBound < group.upperBound,
                    occurrences[group.lowerBound].start < oneofRunStarts[field.oneofIndex]
                {
                    group = (group.lowerBound + 1)..<group.upperBound
                }
            }
            try writeField(field, bytes, group, depth: depth, first: &first)
        }
        while cursor < occurrences.count {
            let key = occurrences[cursor].key
            let groupStart = cursor
            while cursor < occurrences.count, occurrences[cursor].key == key { cursor += 1 }
            let number = key - UInt32(message.fields.count)
            guard let field = pool.extensionField(extendeeIndex: messageIndex, number: number) else { continue }
            try writeField(field, bytes, groupStart..<cursor, depth: depth, first: &first)
        }
    }

    func isSorted(from base: Int) -> Bool {
        var index = base + 1
        while index < occurrences.count {
            if occurrences[index].key < occurrences[index - 1].key { return false }
            index += 1
        }
        return true
    }

    /// Writes `"name": value` for the occurrences `group` of one field, or nothing when a
    /// field without presence holds its default.
    private mutating func writeField(
        _ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ group: Range<Int>, depth: Int,
        first: inout Bool
    ) throws(CodecError) {
        do throws(CodecError) {
            if field.isMap || field.isRepeated {
                // Occurrences may hold no values (an empty packed record, or only unknown values
                // of a closed enum); the field is then empty and written only as unpopulated.
                let mark = out.count
                let wasFirst = first
                writeKey(field, first: &first)
                let count =
                    field.isMap
                    ? try writeMap(field, bytes, group, depth: depth)
                    : try writeRepeated(field, bytes, group, depth: depth)
                if count == 0, !options.emitUnpopulated {
                    out.removeSubrange(mark...)
                    first = wasFirst
                }
            } else {
                var group = group
                if field.kind != .message && field.kind != .group {
                    // An unknown value of a closed enum is an unknown field: the last known value stands.
                    while let last = group.last, isUnknownClosedEnum(field, bytes, occurrences[last]) {
                        group = group.lowerBound..<last
                    }
                    guard let last = group.last else { return }
                    if !field.hasPresence, !options.emitUnpopulated, try isDefault(field, bytes, occurrences[last]) {
                        return
                    }
                }
                writeKey(field, first: &first)
                try writeSingle(field, bytes, group, depth: depth)
            }
        } catch {
            throw error.inField(options.useProtoNames ? field.name : field.jsonName)
        }
    }

    /// Writes one value of a singular field from its occurrences: the last scalar, or the merge
    /// of every occurrence of a message.
    mutating func writeSingle(
        _ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ group: Range<Int>, depth: Int
    ) throws(CodecError) {
        guard field.kind == .message || field.kind == .group else {
            return try writeScalar(field, bytes, occurrences[group.upperBound - 1])
        }
        if group.count == 1 {
            let occurrence = occurrences[group.lowerBound]
            return try writeMessage(bytes, occurrence.start..<occurrence.end, field.messageIndex, depth: depth + 1)
        }
        // Parsing the concatenation of several encodings of a message is merging them.
        var merged: [UInt8] = []
        for occurrence in occurrences[group] {
            merged.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[occurrence.start..<occurrence.end]))
        }
        try merged.withBytes { (merged) throws(CodecError) in
            try writeMessage(merged, 0..<merged.count, field.messageIndex, depth: depth + 1)
        }
    }

    // MARK: Layout

    mutating func openContainer(_ byte: UInt8) {
        out.append(byte)
        level += 1
    }

    mutating func closeContainer(_ byte: UInt8, empty: Bool) {
        level -= 1
        if options.indent > 0, !empty { newline() }
        out.append(byte)
    }

    /// Starts an object member or array element: the comma and, when indenting, a new line.
    @inline(__always)
    mutating func beginEntry(first: inout Bool) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        if options.indent > 0 { newline() }
    }

    private mutating func newline() {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * options.indent))
    }

    mutating func writeKey(_ field: FieldDescriptor, first: inout Bool) {
        beginEntry(first: &first)
        out.append(contentsOf: options.useProtoNames ? field.protoKey : field.jsonKey)
        if options.indent > 0 { out.append(UInt8(ascii: " ")) }
    }

    mutating func writeKey(_ name: String, first: inout Bool) {
        beginEntry(first: &first)
        out.appendJSONString(name)
        out.append(UInt8(ascii: ":"))
        if options.indent > 0 { out.append(UInt8(ascii: " ")) }
    }
}
