/// How the messages of a server-streaming call are written on a plain HTTP response:
/// NDJSON (one JSON message per line, a last `{"error": status}` line on failure) or
/// Server-Sent Events (`data: <json>` events, an `event: error` on failure).
struct StreamRenderer {
    enum Format {
        case ndjson, serverSentEvents

        /// SSE when the client accepts `text/event-stream`, NDJSON otherwise.
        init(accept: String?) {
            self = accept?.lowercased().contains("text/event-stream") == true ? .serverSentEvents : .ndjson
        }
    }

    let format: Format

    var contentType: String { format == .ndjson ? "application/x-ndjson" : "text/event-stream" }

    /// The bytes for one message's JSON.
    func message(_ json: [UInt8]) -> [UInt8] {
        switch format {
        case .ndjson: json + [0x0A]
        case .serverSentEvents: Array("data: ".utf8) + json + [0x0A, 0x0A]
        }
    }

    /// The bytes that end a stream with an error, from the status's JSON.
    func error(_ statusJSON: [UInt8]) -> [UInt8] {
        switch format {
        case .ndjson: Array("{\"error\":".utf8) + statusJSON + Array("}\n".utf8)
        case .serverSentEvents: Array("event: error\ndata: ".utf8) + statusJSON + [0x0A, 0x0A]
        }
    }
}
