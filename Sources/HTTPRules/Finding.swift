/// One result of checking descriptors and rules, printed as `FILE: package.Service.Method: message`.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    /// Errors stop `darwaza serve`; warnings are advice.
    public enum Severity: String, Sendable {
        case error, warning
    }

    public var severity: Severity
    public var file: String
    public var method: String
    public var message: String

    public init(_ severity: Severity, file: String, method: String, _ message: String) {
        self.severity = severity
        self.file = file
        self.method = method
        self.message = message
    }

    public var description: String {
        "\(file): \(method): \(severity == .warning ? "warning: " : "")\(message)"
    }
}
