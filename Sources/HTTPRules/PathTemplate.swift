/// A parsed google.api.http path template:
/// `Template = "/" Segments [":" Verb]`, `Segment = "*" | "**" | LITERAL | Variable`,
/// `Variable = "{" FieldPath ["=" Segments] "}"`, `FieldPath = IDENT {"." IDENT}`.
public struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One segment of the template, variables expanded into the segments they span.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case wildcard
        case doubleWildcard
    }

    /// A variable: the field it binds and the segments `start..<end` it spans.
    public struct Variable: Sendable, Hashable {
        /// The field path, `payment.id` as `["payment", "id"]`.
        public var fieldPath: [String]
        /// The first segment the variable spans.
        public var start: Int
        /// One past the last segment it spans.
        public var end: Int
    }

    /// The template as written.
    public let text: String
    /// The segments, with variables' own segments in place.
    public let segments: [Segment]
    /// The variables in order.
    public let variables: [Variable]
    /// The custom verb after the last `:`, if any.
    public let verb: String?

    public var description: String { text }

    /// Whether the template ends with `**`, so that it matches any number of trailing segments.
    public var endsWithDoubleWildcard: Bool { segments.last == .doubleWildcard }

    /// Parses a template; errors carry the 1-based column of the problem.
    public init(_ text: String) throws(TemplateError) {
        var parser = TemplateParser(text)
        let parsed = try parser.parse()
        self.text = text
        self.segments = parsed.segments
        self.variables = parsed.variables
        self.verb = parsed.verb
    }
}

/// Why a path template does not parse: the reason and the 1-based column.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based column in the template where the problem is.
    public let column: Int
    /// What is wrong.
    public let reason: String

    public var description: String { "column \(column): \(reason)" }
}

/// A recursive-descent parser over the template's characters.
private struct TemplateParser {
    private let characters: [Character]
    private var index = 0
    private var segments: [PathTemplate.Segment] = []
    private var variables: [PathTemplate.Variable] = []
    /// The 1-based column of the first `**`.
    private var doubleWildcardColumn: Int?

    init(_ text: String) { characters = Array(text) }

    mutating func parse() throws(TemplateError) -> (segments: [PathTemplate.Segment], variables: [PathTemplate.Variable], verb: String?) {
        guard take("/") else { throw error("a template must start with '/'") }
        try parseSegments(inVariable: false)
        var verb: String?
        if take(":") {
            let literal = readLiteral()
            guard !literal.isEmpty else { throw error("expected a verb after ':'") }
            verb = literal
        }
        guard index == characters.count else { throw error("unexpected '\(characters[index])'") }
        if let position = segments.firstIndex(of: .doubleWildcard), position != segments.count - 1 {
            throw TemplateError(column: doubleWildcardColumn ?? 1, reason: "'**' must be the last segment")
        }
        return (segments, variables, verb)
    }

    private mutating func parseSegments(inVariable: Bool) throws(TemplateError) {
        repeat {
            try parseSegment(inVariable: inVariable)
        } while take("/")
    }

    private mutating func parseSegment(inVariable: Bool) throws(TemplateError) {
        if take("*") {
            guard take("*") else { return segments.append(.wildcard) }
            if doubleWildcardColumn == nil { doubleWildcardColumn = index - 1 }
            segments.append(.doubleWildcard)
        } else if peek() == "{" {
            guard !inVariable else { throw error("variables cannot nest") }
            index += 1
            try parseVariable()
        } else {
            let literal = readLiteral()
            guard !literal.isEmpty else {
                throw error(index < characters.count ? "unexpected '\(characters[index])'" : "expected a segment")
            }
            segments.append(.literal(literal))
        }
    }

    private mutating func parseVariable() throws(TemplateError) {
        var fieldPath: [String] = []
        repeat {
            let identifier = readIdentifier()
            guard !identifier.isEmpty else { throw error("expected a field name") }
            fieldPath.append(identifier)
        } while take(".")
        let start = segments.count
        if take("=") {
            try parseSegments(inVariable: true)
        } else {
            segments.append(.wildcard)
        }
        guard take("}") else { throw error("expected '}'") }
        variables.append(PathTemplate.Variable(fieldPath: fieldPath, start: start, end: segments.count))
    }

    private func peek() -> Character? { index < characters.count ? characters[index] : nil }

    private mutating func take(_ character: Character) -> Bool {
        guard peek() == character else { return false }
        index += 1
        return true
    }

    /// Unreserved and sub-delim characters, percent escapes and `@`, as RFC 3986 allows in a
    /// path segment, except the template's own `/ : { } = *`.
    private mutating func readLiteral() -> String {
        var literal = ""
        while let character = peek(), character.isASCII,
            character.isLetter || character.isNumber || "-._~%!$&'()+,;@".contains(character)
        {
            literal.append(character)
            index += 1
        }
        return literal
    }

    private mutating func readIdentifier() -> String {
        var identifier = ""
        while let character = peek(), character.isASCII, character.isLetter || character.isNumber || character == "_" {
            identifier.append(character)
            index += 1
        }
        return identifier
    }

    private func error(_ reason: String) -> TemplateError { TemplateError(column: index + 1, reason: reason) }
}
