import ProtoSchema

/// One HTTP binding of a gRPC method, resolved against the descriptors: what the gateway needs
/// to build the request message and render the response, computed once at load time.
public struct Route: Sendable {
    /// Where the body of a request goes.
    public enum Body: Sendable {
        /// No body is accepted.
        case none
        /// The body is the whole request message.
        case whole
        /// The body is the value of this (possibly nested) field.
        case field(FieldPath)
    }

    /// A path variable and the request field it sets.
    public struct PathBinding: Sendable {
        /// The template variable.
        public let variable: PathTemplate.Variable
        /// The request field it sets.
        public let field: FieldPath
    }

    /// The HTTP method (`GET`, or a custom one).
    public let httpMethod: String
    /// The compiled template.
    public let template: PathTemplate
    /// The gRPC method.
    public let method: MethodDescriptor
    /// Where the body goes.
    public let body: Body
    /// The response field that is the HTTP body; nil for the whole response.
    public let responseBody: FieldPath?
    /// The path variables.
    public let pathBindings: [PathBinding]
    /// Where the rule came from, for messages: a rules file, an annotation or the default.
    public let source: String

    /// The rule's `body` as written (`*`, a field path, or nil).
    public var bodyText: String? {
        switch body {
        case .none: nil
        case .whole: "*"
        case .field(let path): path.text
        }
    }

    /// Whether a request field is set by the path or the body, so that no query parameter may set it.
    public func binds(_ path: [String]) -> Bool {
        if case .whole = body { return true }
        if case .field(let bodyPath) = body, path.starts(with: bodyPath.names) || bodyPath.names.starts(with: path) {
            return true
        }
        return pathBindings.contains { path.starts(with: $0.field.names) || $0.field.names.starts(with: path) }
    }
}

/// A dotted field path resolved through nested messages, `payment.amount.units`.
public struct FieldPath: Sendable {
    /// The fields from the outer message inwards.
    public let fields: [FieldDescriptor]

    /// The proto names.
    public let names: [String]

    /// The path as written, with proto names.
    public let text: String

    /// The JSON names, for building JSON.
    public let jsonNames: [String]

    /// The last field.
    public var leaf: FieldDescriptor { fields[fields.count - 1] }

    /// Resolves `names` from the message at `messageIndex`; each name may be the proto or JSON
    /// name. Nil when a name is unknown or a non-final field is not a singular message.
    public init?(_ names: [String], in messageIndex: Int, pool: DescriptorPool) {
        var fields: [FieldDescriptor] = []
        var current = messageIndex
        for (position, name) in names.enumerated() {
            guard current >= 0, let field = pool.messages[current].field(named: name) else { return nil }
            if position < names.count - 1 {
                guard field.kind == .message, !field.isRepeated else { return nil }
            }
            fields.append(field)
            current = field.messageIndex
        }
        guard !fields.isEmpty else { return nil }
        self.fields = fields
        self.names = fields.map(\.name)
        self.text = self.names.joined(separator: ".")
        self.jsonNames = fields.map(\.jsonName)
    }
}
