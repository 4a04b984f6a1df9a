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

    public var description: String { path.isEmpty ? reason : path + ": " + reason }

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
