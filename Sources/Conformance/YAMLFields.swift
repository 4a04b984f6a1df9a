import Foundation
import Yams

/// An unreadable or invalid case file, naming the file, the case and the field.
public struct CaseFileError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(file: String, caseName: String?, field: String?, _ message: String) {
        var text = file
        if let caseName { text += ": case \"\(caseName)\"" }
        if let field, !field.isEmpty { text += ": \(field)" }
        description = text + ": " + message
    }
}

/// The keys of one YAML mapping in a case file, read with errors that name where they are.
struct YAMLFields {
    let values: [String: Node]
    let path: String
    let file: String
    let caseName: String?

    /// Reads `node` as a mapping at field `path`; keys outside `allowed` are errors.
    init(_ node: Node, at path: String, allowed: Set<String>, file: String, caseName: String?) throws(CaseFileError) {
        self.path = path
        self.file = file
        self.caseName = caseName
        guard case .mapping(let mapping) = node else {
            throw CaseFileError(file: file, caseName: caseName, field: path, "expected a mapping")
        }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard let key = key.string else { throw CaseFileError(file: file, caseName: caseName, field: path, "keys must be strings") }
            guard allowed.contains(key) else {
                throw CaseFileError(file: file, caseName: caseName, field: Self.join(path, key), "unknown key")
            }
            values[key] = value
        }
        self.values = values
    }

    /// The error for `key` of this mapping.
    func error(_ key: String, _ message: String) -> CaseFileError {
        CaseFileError(file: file, caseName: caseName, field: Self.join(path, key), message)
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    func string(_ key: String) throws(CaseFileError) -> String? {
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node else { throw error(key, "expected a string") }
        return scalar.string
    }

    func int(_ key: String) throws(CaseFileError) -> Int? {
        guard let node = values[key] else { return nil }
        guard let value = node.int else { throw error(key, "expected an integer") }
        return value
    }

    func double(_ key: String) throws(CaseFileError) -> Double? {
        guard let node = values[key] else { return nil }
        guard let value = node.float, value.isFinite else { throw error(key, "expected a number") }
        return value
    }

    func bool(_ key: String) throws(CaseFileError) -> Bool? {
        guard let node = values[key] else { return nil }
        guard let value = node.bool else { throw error(key, "expected true or false") }
        return value
    }

    func json(_ key: String) throws(CaseFileError) -> JSONValue? {
        guard let node = values[key] else { return nil }
        guard let value = JSONValue(yaml: node) else {
            throw error(key, "not a JSON value: quote plain spellings YAML readers disagree on (yes, off, 010, 0x1F, 1:30, .inf)")
        }
        return value
    }

    func list(_ key: String) throws(CaseFileError) -> [Node]? {
        guard let node = values[key] else { return nil }
        guard case .sequence(let sequence) = node else { throw error(key, "expected a list") }
        return Array(sequence)
    }

    func strings(_ key: String) throws(CaseFileError) -> [String]? {
        guard let items = try list(key) else { return nil }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let scalar) = item else { throw error("\(key)[\(index)]", "expected a string") }
            strings.append(scalar.string)
        }
        return strings
    }

    /// A mapping of header or metadata names to values, in file order.
    func headers(_ key: String) throws(CaseFileError) -> [(name: String, value: String)]? {
        guard let node = values[key] else { return nil }
        guard case .mapping(let mapping) = node else { throw error(key, "expected a mapping of names to values") }
        var headers: [(name: String, value: String)] = []
        for (name, value) in mapping {
            guard let name = name.string, case .scalar(let scalar) = value else {
                throw error(key, "expected a mapping of names to string values")
            }
            headers.append((name, scalar.string))
        }
        return headers
    }

    func base64(_ key: String) throws(CaseFileError) -> [UInt8]? {
        guard let text = try string(key) else { return nil }
        return try decodeBase64(text, key)
    }

    /// A list of base64 strings, decoded.
    func base64List(_ key: String) throws(CaseFileError) -> [[UInt8]]? {
        guard let texts = try strings(key) else { return nil }
        var decoded: [[UInt8]] = []
        for (index, text) in texts.enumerated() { decoded.append(try decodeBase64(text, "\(key)[\(index)]")) }
        return decoded
    }

    private func decodeBase64(_ text: String, _ key: String) throws(CaseFileError) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw error(key, "not valid base64") }
        return [UInt8](data)
    }

    /// The mapping at `key`, if present.
    func fields(_ key: String, allowed: Set<String>) throws(CaseFileError) -> YAMLFields? {
        guard let node = values[key] else { return nil }
        return try YAMLFields(node, at: Self.join(path, key), allowed: allowed, file: file, caseName: caseName)
    }

    /// The mapping at index `index` of the list at `key`.
    func item(_ node: Node, of key: String, at index: Int, allowed: Set<String>) throws(CaseFileError) -> YAMLFields {
        try YAMLFields(node, at: Self.join(path, "\(key)[\(index)]"), allowed: allowed, file: file, caseName: caseName)
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty || key.isEmpty ? path + key : path + "." + key }
}
