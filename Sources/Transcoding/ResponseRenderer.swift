import HTTPRules
import ProtoJSON
import ProtoSchema

/// Renders a binary response message as the HTTP body: JSON of the whole message or of its
/// `response_body` field, or the raw bytes of a `google.api.HttpBody`.
public struct ResponseRenderer: Sendable {
    /// An HTTP body and its content type.
    public struct Rendered: Sendable {
        public var contentType: String
        public var body: [UInt8]
    }

    private let codec: ProtoJSONCodec
    private let httpBodyIndex: Int?

    /// A renderer over `codec`'s pool.
    public init(codec: ProtoJSONCodec) {
        self.codec = codec
        self.httpBodyIndex = codec.pool.messageIndex(named: "google.api.HttpBody")
    }

    /// The body for one response message of `route`.
    public func render(_ message: [UInt8], route: Route, options: TranscodingOptions) throws(RPCStatus) -> Rendered {
        do throws(CodecError) {
            guard let path = route.responseBody else {
                return try render(message, as: route.method.outputIndex, options: options)
            }
            var current = message
            var messageIndex = route.method.outputIndex
            for field in path.fields.dropLast() {
                current = try Self.occurrences(of: field, in: current).flatMap { current[$0.payload] }
                messageIndex = field.messageIndex
            }
            let leaf = path.leaf
            let occurrences = try Self.occurrences(of: leaf, in: current)
            if leaf.kind == .message, !leaf.isRepeated {
                return try render(occurrences.flatMap { current[$0.payload] }, as: leaf.messageIndex, options: options)
            }
            // Any other field: render the message holding only that field, and keep the value.
            var only: [UInt8] = []
            for occurrence in occurrences { only.append(contentsOf: current[occurrence.range]) }
            var fieldOptions = options.output
            fieldOptions.indent = 0
            let json = try codec.json(fromBinary: only, messageIndex: messageIndex, options: fieldOptions)
            // `{"key":VALUE}` -> `VALUE`
            let key = fieldOptions.useProtoNames ? leaf.protoKey : leaf.jsonKey
            let value = json.count > key.count + 2 ? Array(json[(key.count + 1)..<(json.count - 1)]) : Self.emptyValue(leaf)
            return Rendered(contentType: "application/json", body: value)
        } catch {
            throw RPCStatus(.internal, "the backend's response cannot be written as JSON: \(error)")
        }
    }

    private func render(_ message: [UInt8], as messageIndex: Int, options: TranscodingOptions) throws(CodecError) -> Rendered {
        if messageIndex == httpBodyIndex {
            let fields = try Wire.fields(of: message)
            let contentType = fields.last { $0.number == 1 }.map { String(decoding: message[$0.payload], as: UTF8.self) }
            let data = fields.filter { $0.number == 2 }.flatMap { message[$0.payload] }
            return Rendered(contentType: contentType ?? "application/octet-stream", body: data)
        }
        return Rendered(
            contentType: "application/json",
            body: try codec.json(fromBinary: message, messageIndex: messageIndex, options: options.output))
    }

    private static func occurrences(of field: FieldDescriptor, in message: [UInt8]) throws(CodecError) -> [Wire.Field] {
        try Wire.fields(of: message).filter { $0.number == field.number }
    }

    /// The JSON of an unset non-message field.
    private static func emptyValue(_ field: FieldDescriptor) -> [UInt8] {
        if field.isMap { return Array("{}".utf8) }
        if field.isRepeated { return Array("[]".utf8) }
        switch field.kind {
        case .string, .bytes: return Array("\"\"".utf8)
        case .bool: return Array("false".utf8)
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return Array("\"0\"".utf8)
        case .message, .group: return Array("{}".utf8)
        default: return Array("0".utf8)
        }
    }
}
