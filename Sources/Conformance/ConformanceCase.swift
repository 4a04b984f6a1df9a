import Gateway

/// One contract case: an HTTP request through a gateway built from descriptor sets and rules,
/// what the backend must receive and answer, and the HTTP answer the client must get.
public struct ConformanceCase: Sendable {
    /// The case file, as given on the command line or found in a folder.
    public var file: String
    /// The case's name, unique in its file.
    public var name: String
    /// Gateway configuration: descriptor sets and rules files (resolved paths) and options.
    var configuration: GatewayConfiguration
    var request: Request
    /// What the backend must receive and how it answers; nil when no backend call may happen.
    var backend: Backend?
    var response: Response
    /// Seconds the whole exchange may take.
    var timeoutSeconds: Double

    /// `file: name`, the form `--filter` matches and reports print.
    public var fullName: String { "\(file): \(name)" }

    /// The client's side of the exchange.
    struct Request: Sendable {
        var method = "GET"
        /// The path with its query, sent as written.
        var path = "/"
        var headers: [(name: String, value: String)] = []
        var body: [UInt8]?
        /// Bytes sent as they are instead of a request built from the fields above.
        var raw: [UInt8]?
        /// Upgrade to a WebSocket and send these frames.
        var webSocket: WebSocketRequest?
        /// Send over HTTP/2 with prior knowledge instead of HTTP/1.1.
        var http2 = false
    }

    /// A WebSocket conversation from the client's side.
    struct WebSocketRequest: Sendable {
        var protocols: [String] = []
        var send: [Frame] = []
    }

    /// One WebSocket frame.
    enum Frame: Sendable, Equatable {
        case json(JSONValue)
        case text(String)
        case binary([UInt8])
        case close(code: Int, reason: String)
    }

    /// The backend's side: the call it must see, and its canned answer.
    struct Backend: Sendable {
        /// The method's fully qualified name, `package.Service.Method`.
        var method: String
        /// The request messages it must receive, in order (nil: not checked).
        var requests: [JSONValue]?
        /// Metadata that must be present with these values.
        var metadata: [(name: String, value: String)] = []
        /// Metadata names that must be absent.
        var metadataAbsent: [String] = []
        /// Whether the call must end cancelled, before the gateway half-closes it (a client that
        /// goes away, a bad WebSocket frame): the backend sees it cancelled, or, when the
        /// cancel wins the race with the call's start, not at all. Messages are not checked.
        var cancelled = false
        var reply = Reply()
    }

    /// A canned backend answer.
    struct Reply: Sendable {
        var headers: [(name: String, value: String)] = []
        /// Response messages as JSON of the method's output type.
        var messages: [JSONValue] = [.object([:])]
        /// Response messages as binary, sent after `messages` (for malformed-reply cases).
        var rawMessages: [[UInt8]] = []
        var code = 0
        var message = ""
        /// `google.rpc.Status.details`: `Any` values as JSON.
        var details: [JSONValue] = []
        var trailers: [(name: String, value: String)] = []
        /// Milliseconds to wait before answering.
        var delayMilliseconds = 0
    }

    /// The HTTP answer the client must get; nil fields are not checked.
    struct Response: Sendable {
        var status: Int?
        var headers: [(name: String, value: String)] = []
        var headersAbsent: [String] = []
        /// The body compared as a JSON value.
        var body: JSONValue?
        /// The body compared byte for byte.
        var bodyText: String?
        /// The body as NDJSON, one value per line.
        var ndjson: [JSONValue]?
        /// The body as Server-Sent Events.
        var sse: [Event]?
        /// The frames of a WebSocket answer (close frames excluded) and how it closed.
        var webSocket: WebSocketResponse?
    }

    /// One Server-Sent Event: its `event:` name (nil for none) and its data as JSON.
    struct Event: Sendable {
        var event: String?
        var data: JSONValue
    }

    /// The frames of a WebSocket conversation (close frames excluded) and how it closed.
    struct WebSocketResponse: Sendable {
        var frames: [Frame] = []
        var closeCode: Int?
        var closeReason: String?
    }
}
