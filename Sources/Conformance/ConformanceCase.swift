import Gateway

/// One contract case: an HTTP request through a gateway built from descriptor sets and rules,
/// what the backend must receive and answer, and the HTTP answer the client must get.
public struct ConformanceCase: Sendable {
    /// The case file, as given on the command line or found in a folder.
    public var file: String
    /// The case's name, unique in its file.
    public var name: String
    /// Gateway configuration: descriptor sets and rules files (resolved paths) and options.
    public var configuration: GatewayConfiguration
    public var request: Request
    /// What the backend must receive and how it answers; nil when no backend call may happen.
    public var backend: Backend?
    public var response: Response
    /// Seconds the whole exchange may take.
    public var timeoutSeconds: Double

    /// `file: name`, the form `--filter` matches and reports print.
    public var fullName: String { "\(file): \(name)" }

    /// The client's side of the exchange.
    public struct Request: Sendable {
        public var method = "GET"
        /// The path with its query, sent as written.
        public var path = "/"
        public var headers: [(name: String, value: String)] = []
        public var body: [UInt8]?
        /// Bytes sent as they are instead of a request built from the fields above.
        public var raw: [UInt8]?
        /// Upgrade to a WebSocket and send these frames.
        public var webSocket: WebSocketRequest?
    }

    /// A WebSocket conversation from the client's side.
    public struct WebSocketRequest: Sendable {
        public var protocols: [String] = []
        public var send: [Frame] = []
    }

    /// One WebSocket frame.
    public enum Frame: Sendable, Equatable {
        case json(JSONValue)
        case text(String)
        case binary([UInt8])
        case close(code: Int, reason: String)
    }

    /// The backend's side: the call it must see, and its canned answer.
    public struct Backend: Sendable {
        /// The method's fully qualified name, `package.Service.Method`.
        public var method: String
        /// The request messages it must receive, in order (nil: not checked).
        public var requests: [JSONValue]?
        /// Metadata that must be present with these values.
        public var metadata: [(name: String, value: String)] = []
        /// Metadata names that must be absent.
        public var metadataAbsent: [String] = []
        public var reply = Reply()
    }

    /// A canned backend answer.
    public struct Reply: Sendable {
        public var headers: [(name: String, value: String)] = []
        /// Response messages as JSON of the method's output type.
        public var messages: [JSONValue] = [.object([:])]
        /// Response messages as binary, sent after `messages` (for malformed-reply cases).
        public var rawMessages: [[UInt8]] = []
        public var code = 0
        public var message = ""
        /// `google.rpc.Status.details`: `Any` values as JSON.
        public var details: [JSONValue] = []
        public var trailers: [(name: String, value: String)] = []
        /// Milliseconds to wait before answering.
        public var delayMilliseconds = 0
    }

    /// The HTTP answer the client must get; nil fields are not checked.
    public struct Response: Sendable {
        public var status: Int?
        public var headers: [(name: String, value: String)] = []
        public var headersAbsent: [String] = []
        /// The body compared as a JSON value.
        public var body: JSONValue?
        /// The body compared byte for byte.
        public var bodyText: String?
        /// The body as NDJSON, one value per line.
        public var ndjson: [JSONValue]?
        /// The body as Server-Sent Events.
        public var sse: [Event]?
        /// The frames of a WebSocket answer (close frames excluded) and how it closed.
        public var webSocket: WebSocketResponse?
    }

    /// One Server-Sent Event: its `event:` name (nil for none) and its data as JSON.
    public struct Event: Sendable, Equatable {
        public var event: String?
        public var data: JSONValue
    }

    /// The expected end of a WebSocket conversation.
    public struct WebSocketResponse: Sendable {
        public var frames: [Frame] = []
        public var closeCode: Int?
        public var closeReason: String?
    }
}
