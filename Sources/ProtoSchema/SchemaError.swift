/// Why a set of descriptor files could not be loaded; the message names the file and symbol.
public struct SchemaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A one-line, human-readable reason.
    public let description: String

    /// An error with this reason.
    public init(_ description: String) { self.description = description }
}
