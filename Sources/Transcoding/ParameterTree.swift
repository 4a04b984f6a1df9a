import ProtoSchema

/// The path variables and query parameters of a request, gathered into one JSON object so that
/// the codec converts them with its own rules and error paths.
struct ParameterTree {
    private indirect enum Node {
        case object([(name: String, node: Node)])
        case values(FieldDescriptor, [String])
        case map(FieldDescriptor, [(key: String, value: String)])
    }

    private var root: [(name: String, node: Node)] = []
    private let pool: DescriptorPool

    init(pool: DescriptorPool) { self.pool = pool }

    var isEmpty: Bool { root.isEmpty }

    /// Adds a value for a field path (JSON names along the way); a second value for a
    /// non-repeated field is an error naming `parameter`.
    mutating func add(_ fields: [FieldDescriptor], value: String, mapKey: String? = nil, parameter: String) throws(RPCStatus) {
        try Self.insert(into: &root, fields[...], value: value, mapKey: mapKey, parameter: parameter)
    }

    private static func insert(
        into members: inout [(name: String, node: Node)], _ fields: ArraySlice<FieldDescriptor>, value: String,
        mapKey: String?, parameter: String
    ) throws(RPCStatus) {
        guard let field = fields.first else { return }
        let position = members.firstIndex { $0.name == field.jsonName }
        if fields.count > 1 {
            var children: [(name: String, node: Node)] = []
            if let position, case .object(let existing) = members[position].node { children = existing }
            try insert(into: &children, fields.dropFirst(), value: value, mapKey: mapKey, parameter: parameter)
            if let position { members[position].node = .object(children) } else { members.append((field.jsonName, .object(children))) }
            return
        }
        if let mapKey {
            var entries: [(key: String, value: String)] = []
            if let position, case .map(_, let existing) = members[position].node { entries = existing }
            guard !entries.contains(where: { $0.key == mapKey }) else {
                throw RPCStatus(.invalidArgument, "parameter \(parameter) is given more than once")
            }
            entries.append((mapKey, value))
            if let position { members[position].node = .map(field, entries) } else { members.append((field.jsonName, .map(field, entries))) }
            return
        }
        if let position {
            guard field.isRepeated, case .values(_, let existing) = members[position].node else {
                throw RPCStatus(.invalidArgument, "parameter \(parameter) is given more than once")
            }
            members[position].node = .values(field, existing + [value])
        } else {
            members.append((field.jsonName, .values(field, [value])))
        }
    }

    /// The tree as a JSON object.
    func json() -> [UInt8] {
        var out: [UInt8] = []
        write(root, to: &out)
        return out
    }

    private func write(_ members: [(name: String, node: Node)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: ErrorBody.jsonString(member.name))
            out.append(UInt8(ascii: ":"))
            switch member.node {
            case .object(let children):
                write(children, to: &out)
            case .values(let field, let values):
                if field.isRepeated {
                    out.append(UInt8(ascii: "["))
                    for (index, value) in values.enumerated() {
                        if index > 0 { out.append(UInt8(ascii: ",")) }
                        writeValue(value, field, to: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                } else {
                    writeValue(values[values.count - 1], field, to: &out)
                }
            case .map(let field, let entries):
                out.append(UInt8(ascii: "{"))
                let valueField = pool.messages[field.messageIndex].field(number: 2)
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: ErrorBody.jsonString(entry.key))
                    out.append(UInt8(ascii: ":"))
                    if let valueField { writeValue(entry.value, valueField, to: &out) }
                }
                out.append(UInt8(ascii: "}"))
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A text parameter as the JSON value the codec expects for the field: bools and enum
    /// numbers bare, everything else (numbers included, which the codec reads from strings) quoted.
    private func writeValue(_ text: String, _ field: FieldDescriptor, to out: inout [UInt8]) {
        var kind = field.kind
        if kind == .message {
            let wrapped = pool.messages[field.messageIndex]
            if wrapped.wellKnownType?.isWrapper == true, let inner = wrapped.fields.first { kind = inner.kind }
        }
        switch kind {
        case .bool where text == "true" || text == "false":
            out.append(contentsOf: text.utf8)
        case .enumeration where Int32(text) != nil:
            out.append(contentsOf: text.utf8)
        default:
            out.append(contentsOf: ErrorBody.jsonString(text))
        }
    }
}
