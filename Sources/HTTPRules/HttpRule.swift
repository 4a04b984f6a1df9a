/// A `google.api.HttpRule`, read from a method's annotation or from a rules file; field names
/// are the proto names, as in the YAML form of `google.api.Service`.
public struct HttpRule: Sendable, Hashable, Codable {
    /// A custom HTTP method and its path template.
    public struct CustomPattern: Sendable, Hashable, Codable {
        /// The HTTP method, such as `HEAD` or `SEARCH`.
        public var kind: String
        /// The path template.
        public var path: String
    }

    /// The method the rule applies to (`package.Service.Method`), in rules files.
    public var selector: String?
    public var get: String?
    public var put: String?
    public var post: String?
    public var delete: String?
    public var patch: String?
    public var custom: CustomPattern?
    /// `*` for the whole request message, a field path for one field, absent for no body.
    public var body: String?
    /// The response field that becomes the HTTP body, absent for the whole response.
    public var responseBody: String?
    /// More (method, template) pairs for the same RPC; their own bindings are ignored.
    public var additionalBindings: [HttpRule]?

    enum CodingKeys: String, CodingKey {
        case selector, get, put, post, delete, patch, custom, body
        case responseBody = "response_body"
        case additionalBindings = "additional_bindings"
    }

    /// A rule with just a method and template.
    public init(method: String, path: String, body: String? = nil, responseBody: String? = nil) {
        switch method {
        case "GET": get = path
        case "PUT": put = path
        case "POST": post = path
        case "DELETE": delete = path
        case "PATCH": patch = path
        default: custom = CustomPattern(kind: method, path: path)
        }
        self.body = body
        self.responseBody = responseBody
    }

    /// The HTTP method and template the rule names; nil when it names none, and an error when it
    /// names more than one.
    public func pattern() throws(RulesError) -> (method: String, path: String)? {
        let patterns = [("GET", get), ("PUT", put), ("POST", post), ("DELETE", delete), ("PATCH", patch),
                        (custom?.kind ?? "", custom?.path)]
            .compactMap { method, path in path.map { (method, $0) } }
        guard patterns.count <= 1 else {
            throw RulesError("a rule names more than one pattern: \(patterns.map { "\($0.0) \($0.1)" }.joined(separator: ", "))")
        }
        return patterns.first
    }
}

/// The YAML form of `google.api.Service`, of which only `http.rules` is read.
struct HttpRulesDocument: Decodable {
    struct Http: Decodable {
        var rules: [HttpRule]?
    }

    var http: Http?
}

/// Why rules could not be loaded or compiled; names the file, selector or template.
public struct RulesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A one-line reason.
    public let description: String

    /// An error with this reason.
    public init(_ description: String) { self.description = description }
}
