import HTTPRules
import ProtoJSON
import ProtoSchema

/// Builds the binary request message of a matched route from its body, path variables and
/// query parameters. The pieces are encoded separately and concatenated, which protobuf reads
/// as a merge: body first, then query and path, so that a path variable wins over the body.
public struct RequestBuilder: Sendable {
    private let codec: ProtoJSONCodec
    private let httpBodyIndex: Int?

    /// A builder over `codec`'s pool.
    public init(codec: ProtoJSONCodec) {
        self.codec = codec
        self.httpBodyIndex = codec.pool.messageIndex(named: "google.api.HttpBody")
    }

    /// The HTTP request, as far as the builder needs it.
    public struct Input {
        /// The path variables' values, decoded (`pathValues(_:captures:of:)`).
        public var pathValues: [String]
        public var query: Substring?
        public var body: [UInt8]
        public var contentType: String?

        public init(pathValues: [String], query: Substring?, body: [UInt8], contentType: String?) {
            self.pathValues = pathValues
            self.query = query
            self.body = body
            self.contentType = contentType
        }
    }

    /// The request message's binary encoding.
    public func build(_ route: Route, _ input: Input, options: TranscodingOptions) throws(RPCStatus) -> [UInt8] {
        let requestIndex = route.method.inputIndex
        var message = try bodyBinary(route, input, options: options)
        var parameters = ParameterTree(pool: codec.pool)
        if let query = input.query, !query.isEmpty {
            try addQuery(query, route, to: &parameters, options: options)
        }
        for (binding, value) in zip(route.pathBindings, input.pathValues) {
            if options.rejectFieldsBoundTwice, !message.isEmpty, Self.contains(binding.field, in: message) {
                throw RPCStatus(.invalidArgument, "field \(binding.field.text) is set by both the path and the body")
            }
            try parameters.add(binding.field.fields, value: value, parameter: binding.field.text)
        }
        if !parameters.isEmpty {
            do {
                message += try codec.binary(fromJSON: parameters.json(), messageIndex: requestIndex, options: options.input)
            } catch {
                throw RPCStatus(.invalidArgument, error.description)
            }
        }
        return message
    }

    private func bodyBinary(_ route: Route, _ input: Input, options: TranscodingOptions) throws(RPCStatus) -> [UInt8] {
        let requestIndex = route.method.inputIndex
        switch route.body {
        case .none:
            guard input.body.isEmpty else {
                throw RPCStatus(.invalidArgument, "\(route.httpMethod) \(route.template) takes no request body")
            }
            return []
        case .whole:
            if requestIndex == httpBodyIndex { return Self.httpBody(input) }
            return try json(input, as: requestIndex, options: options)
        case .field(let path):
            if path.leaf.kind == .message, path.leaf.messageIndex == httpBodyIndex, !path.leaf.isRepeated {
                return Self.nest(Self.httpBody(input), in: path.fields)
            }
            guard !input.body.isEmpty else { return [] }
            try checkJSONContentType(input.contentType)
            // `{"a":{"b": BODY}}` is converted as the whole request, so that every field kind
            // and JSON rule applies to the body as to any other value.
            var wrapped: [UInt8] = []
            for name in path.jsonNames {
                wrapped.append(contentsOf: "{".utf8)
                wrapped.append(contentsOf: ErrorBody.jsonString(name))
                wrapped.append(UInt8(ascii: ":"))
            }
            wrapped.append(contentsOf: input.body)
            wrapped.append(contentsOf: repeatElement(UInt8(ascii: "}"), count: path.fields.count))
            do {
                return try codec.binary(fromJSON: wrapped, messageIndex: requestIndex, options: options.input)
            } catch {
                throw RPCStatus(.invalidArgument, error.description)
            }
        }
    }

    private func json(_ input: Input, as messageIndex: Int, options: TranscodingOptions) throws(RPCStatus) -> [UInt8] {
        guard !input.body.isEmpty else { return [] }
        try checkJSONContentType(input.contentType)
        do {
            return try codec.binary(fromJSON: input.body, messageIndex: messageIndex, options: options.input)
        } catch {
            throw RPCStatus(.invalidArgument, error.description)
        }
    }

    private func checkJSONContentType(_ contentType: String?) throws(RPCStatus) {
        guard let contentType else { return }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw RPCStatus(.invalidArgument, "unsupported content type \(contentType); send application/json", httpStatus: 415)
        }
    }

    /// A `google.api.HttpBody` holding the raw body and its content type.
    static func httpBody(_ input: Input) -> [UInt8] {
        var out: [UInt8] = []
        if let contentType = input.contentType { Wire.appendField(number: 1, bytes: Array(contentType.utf8), to: &out) }
        if !input.body.isEmpty { Wire.appendField(number: 2, bytes: input.body, to: &out) }
        return out
    }

    /// `message` as the value of a nested field path.
    static func nest(_ message: [UInt8], in fields: [FieldDescriptor]) -> [UInt8] {
        var result = message
        for field in fields.reversed() {
            var outer: [UInt8] = []
            Wire.appendField(number: field.number, bytes: result, to: &outer)
            result = outer
        }
        return result
    }

    /// Whether a binary message sets a (nested) field.
    static func contains(_ path: FieldPath, in message: [UInt8]) -> Bool {
        var current = message
        for (depth, field) in path.fields.enumerated() {
            guard let fields = try? Wire.fields(of: current) else { return false }
            let matching = fields.filter { $0.number == field.number }
            if matching.isEmpty { return false }
            if depth == path.fields.count - 1 { return true }
            current = matching.flatMap { current[$0.payload] }
        }
        return false
    }

    /// The decoded values of a matched path's variables, worked out before the body is read:
    /// a variable that does not decode is named in the error, and every escape elsewhere in
    /// the path must be well-formed too.
    public static func pathValues(_ path: Substring, captures: [Substring], of route: Route) throws(RPCStatus) -> [String] {
        var values: [String] = []
        for (binding, raw) in zip(route.pathBindings, captures) { values.append(try decode(raw, of: binding, in: route)) }
        guard PercentDecoding.isWellFormed(path) else {
            throw RPCStatus(.invalidArgument, "path \(path) \(describe(.malformedEscape))")
        }
        return values
    }

    /// A path variable's value: a multi-segment variable keeps `%2F` encoded.
    private static func decode(_ raw: Substring, of binding: Route.PathBinding, in route: Route) throws(RPCStatus) -> String {
        let multiSegment = binding.variable.end - binding.variable.start > 1
            || route.template.segments[binding.variable.start] == .doubleWildcard
        do {
            return try PercentDecoding.decode(raw, keepingEncodedSlashes: multiSegment)
        } catch {
            throw RPCStatus(.invalidArgument, "path variable \(binding.field.text) \(describe(error))")
        }
    }

    private static func describe(_ failure: PercentDecoding.Failure) -> String {
        switch failure {
        case .malformedEscape: "has a malformed percent escape"
        case .notUTF8: "is not valid UTF-8 once percent-decoded"
        }
    }

    private func addQuery(_ query: Substring, _ route: Route, to parameters: inout ParameterTree, options: TranscodingOptions) throws(RPCStatus) {
        let requestIndex = route.method.inputIndex
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name: String, value: String
            do {
                name = try PercentDecoding.decode(parts[0], plusAsSpace: true)
                value = try PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            } catch {
                throw RPCStatus(.invalidArgument, "query parameter \(pair) \(Self.describe(error))")
            }
            if name == "access_token" { continue }  // a bearer token for browsers, not a field
            var pathText = Substring(name)
            var mapKey: String?
            if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                mapKey = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
                pathText = name[..<open]
            }
            let names = pathText.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard let path = FieldPath(names, in: requestIndex, pool: codec.pool) else {
                if options.ignoreUnknownQueryParameters { continue }
                throw RPCStatus(.invalidArgument, "unknown query parameter \(name)")
            }
            guard (mapKey == nil) != path.leaf.isMap else {
                throw RPCStatus(.invalidArgument, path.leaf.isMap
                    ? "query parameter \(name) names a map; give each entry as \(pathText)[key]=value"
                    : "query parameter \(name) gives a key to \(pathText), which is not a map")
            }
            guard !route.binds(path.names) else {
                throw RPCStatus(.invalidArgument, "query parameter \(name) sets a field bound by the path or body")
            }
            guard Self.isQueryBindable(path.leaf, pool: codec.pool) else {
                throw RPCStatus(.invalidArgument, "query parameter \(name) names a message field that has no text form")
            }
            try parameters.add(path.fields, value: value, mapKey: mapKey, parameter: name)
        }
    }

    /// Scalars, enums, and the well-known types with a string form can come from the query.
    static func isQueryBindable(_ field: FieldDescriptor, pool: DescriptorPool) -> Bool {
        if field.isMap {
            guard let value = pool.messages[field.messageIndex].field(number: 2) else { return false }
            return value.kind != .message && value.kind != .group
        }
        guard field.kind == .message else { return field.kind != .group }
        return pool.messages[field.messageIndex].wellKnownType?.hasScalarForm == true
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
