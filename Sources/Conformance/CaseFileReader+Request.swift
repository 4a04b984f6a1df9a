import Yams

/// Reading `request:` and WebSocket frames.
extension CaseFileReader {
    /// The client's request: built from its fields, or raw bytes.
    static func readRequest(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Request {
        var request = ConformanceCase.Request()
        if let raw = try fields.string("raw") {
            guard fields.values.count == 1 else { throw fields.error("raw", "a raw request cannot have other request fields") }
            request.raw = Array(raw.utf8)
            return request
        }
        guard let path = try fields.string("path") else { throw fields.error("path", "every request needs a path (or raw)") }
        guard path.hasPrefix("/") else { throw fields.error("path", "must start with /") }
        request.path = path
        request.method = try fields.string("method") ?? "GET"
        request.headers = try fields.headers("headers") ?? []
        guard !(fields.has("body") && fields.has("body_text")) else { throw fields.error("body_text", "give body or body_text, not both") }
        if let body = try fields.json("body") {
            request.body = Array(body.text.utf8)
            if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                request.headers.append(("Content-Type", "application/json"))
            }
        }
        if let text = try fields.string("body_text") { request.body = Array(text.utf8) }
        request.http2 = try fields.bool("http2") ?? false
        if let socket = try fields.fields("websocket", allowed: ["protocols", "send"]) {
            guard !request.http2 else { throw fields.error("websocket", "WebSockets are upgraded over HTTP/1.1; drop http2") }
            var webSocket = ConformanceCase.WebSocketRequest()
            webSocket.protocols = try socket.strings("protocols") ?? []
            webSocket.send = try frames(socket, "send", allowClose: true)
            request.webSocket = webSocket
        }
        return request
    }

    /// The frames at `key`; `close` frames only where the client sends them.
    static func frames(_ fields: YAMLFields, _ key: String, allowClose: Bool) throws(CaseFileError) -> [ConformanceCase.Frame] {
        var frames: [ConformanceCase.Frame] = []
        let kinds = allowClose ? ["json", "text", "binary_base64", "close"] : ["json", "text", "binary_base64"]
        for (index, node) in (try fields.list(key) ?? []).enumerated() {
            let frame = try fields.item(node, of: key, at: index, allowed: Set(kinds + (allowClose ? ["reason"] : [])))
            guard kinds.filter(frame.has).count == 1 else { throw frame.error("", "give exactly one of " + kinds.joined(separator: ", ")) }
            guard !frame.has("reason") || frame.has("close") else { throw frame.error("reason", "only a close frame has a reason") }
            if let json = try frame.json("json") {
                frames.append(.json(json))
            } else if let text = try frame.string("text") {
                frames.append(.text(text))
            } else if let bytes = try frame.base64("binary_base64") {
                frames.append(.binary(bytes))
            } else if let code = try frame.int("close") {
                guard (0...65535).contains(code) else { throw frame.error("close", "a close code is 0 to 65535") }
                frames.append(.close(code: code, reason: try frame.string("reason") ?? ""))
            }
        }
        return frames
    }
}
