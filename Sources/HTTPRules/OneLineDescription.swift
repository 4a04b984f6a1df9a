import Foundation

/// Describes an error on one line: a decoding error by its underlying cause when it has one
/// (the YAML parser's message), with line breaks and the parser's caret line folded away.
public func oneLineDescription(_ error: Error) -> String {
    var described: Error = error
    if case DecodingError.dataCorrupted(let context) = error, let underlying = context.underlyingError { described = underlying }
    return "\(described)".split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && $0 != "^" }
        .joined(separator: " ")
}
