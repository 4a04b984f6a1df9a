import Transcoding
import Yams

/// A JSON value as the runner compares it: objects are unordered; strings compare by their
/// UTF-8 bytes (no Unicode normalization); numbers keep their literal, so 64-bit integers stay
/// exact, and compare by value (`1.0` equals `1`, `-0` does not equal `0`).
indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// A number by its JSON literal.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses UTF-8 JSON text; nil if it is not exactly one valid JSON value.
    init?(parsing bytes: some Collection<UInt8>) {
        var parser = JSONTextParser(Array(bytes))
        guard let value = parser.parseDocument() else { return nil }
        self = value
    }

    /// The compact JSON text of this value (object keys sorted).
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let literal): return literal
        case .string(let value): return Self.quoted(value)
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ string: String) -> String {
        String(decoding: ErrorBody.jsonString(string), as: UTF8.self)
    }
}

extension JSONValue: Equatable {
    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.number(let a), .number(let b)): return sameNumber(a, b)
        default: return false
        }
    }

    /// Integer literals compare exactly; others by their double value and the sign of zero.
    private static func sameNumber(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let isInteger = { (text: String) in text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-") } }
        if isInteger(a), isInteger(b), a != "-0", b != "-0" { return false }
        guard let x = Double(a), let y = Double(b) else { return false }
        return x == y && x.sign == y.sign
    }
}

extension JSONValue {
    /// The JSON value a YAML node spells: quoted scalars are strings; plain ones are null,
    /// `true`, `false`, JSON numbers or strings. Nil for what JSON cannot hold and for plain
    /// spellings that YAML readers disagree on (`yes`, `off`, `010`, `0x1F`, `1:30`, `.inf`),
    /// which must be quoted.
    init?(yaml node: Node) {
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: self = .null
            case Tag.Name.bool.rawValue:
                guard scalar.string == "true" || scalar.string == "false" else { return nil }
                self = .bool(scalar.string == "true")
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                guard JSONTextParser.isNumberLiteral(scalar.string) else { return nil }
                self = .number(scalar.string)
            default: self = .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence {
                guard let value = JSONValue(yaml: item) else { return nil }
                items.append(value)
            }
            self = .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, item) in mapping {
                guard let key = key.string, let value = JSONValue(yaml: item) else { return nil }
                members[key] = value
            }
            self = .object(members)
        case .alias:
            return nil
        }
    }
}
