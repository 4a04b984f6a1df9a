import Foundation

// Booleans never equal numbers; -0.0 equals 0 (use exact text to check the sign of zero).
/// A parsed JSON document, compared by value: member order and number spelling are ignored.
indirect enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses UTF-8 JSON text with Foundation's `JSONSerialization` (top-level scalars allowed).
    init(parsing bytes: [UInt8]) throws {
        let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        self = try JSONValue(foundation: object)
    }

    /// Converts a value produced by `JSONSerialization`.
    init(foundation value: Any) throws {
        switch value {
        case is NSNull:
            self = .null
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            // JSONSerialization makes `true`/`false` CFBooleans, whose type encoding is "c";
            // JSON numbers are never parsed as chars.
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                self = .number(number.doubleValue)
            }
        case let array as [Any]:
            self = .array(try array.map { try JSONValue(foundation: $0) })
        case let object as [String: Any]:
            self = .object(try object.mapValues { try JSONValue(foundation: $0) })
        default:
            throw FixtureError("unexpected JSONSerialization value \(type(of: value))")
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .number(let value): String(value)
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        }
    }
}
