/// Why a conversion failed: a reason and the JSON path of the offending value,
/// printed as `items[2].unitPrice: expected integer, got "x"`.
public struct CodecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The JSON path of the offending value (`a.b[3]["key"]`); empty for the whole message.
    public private(set) var path: String
    /// What is wrong with the value.
    public let reason: String

    /// An error at the root of the message.
    public init(_ reason: String) {
        self.path = ""
        self.reason = reason
    }

    /// `path: reason` on one line: control characters from the input are escaped, so that an
    /// error can be logged or sent back without letting the input break lines.
    public var description: String {
        let text = path.isEmpty ? reason : path + ": " + reason
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// This error, located inside the field named `name`.
    func inField(_ name: String) -> CodecError {
        var copy = self
        if path.isEmpty || path.hasPrefix("[") {
            copy.path = name + path
        } else {
            copy.path = name + "." + path
        }
        return copy
    }

    /// This error, located inside element `index` of an array.
    func atIndex(_ index: Int) -> CodecError {
        var copy = self
        copy.path = "[\(index)]" + (path.isEmpty || path.hasPrefix("[") ? path : "." + path)
        return copy
    }

    /// This error, located inside the map value at `key`.
    func atKey(_ key: String) -> CodecError {
        var copy = self
        copy.path = "[\"\(key)\"]" + (path.isEmpty || path.hasPrefix("[") ? path : "." + path)
        return copy
    }
}
