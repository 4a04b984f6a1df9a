import Yams

/// Reading `response:`.
extension CaseFileReader {
    /// The expected answer; fields left out are not checked.
    static func readResponse(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Response {
        var response = ConformanceCase.Response()
        response.status = try fields.int("status")
        response.headers = try fields.headers("headers") ?? []
        response.headersAbsent = try fields.strings("headers_absent") ?? []
        let bodies = ["body", "body_text", "ndjson", "sse", "websocket"].filter(fields.has)
        guard bodies.count <= 1 else { throw fields.error(bodies[1], "give only one of body, body_text, ndjson, sse, websocket") }
        response.body = try fields.json("body")
        response.bodyText = try fields.string("body_text")
        if let lines = try fields.json("ndjson") {
            guard case .array(let items) = lines else { throw fields.error("ndjson", "expected a list of JSON values") }
            response.ndjson = items
        }
        if let events = try fields.list("sse") {
            var parsed: [ConformanceCase.Event] = []
            for (index, node) in events.enumerated() {
                let event = try fields.item(node, of: "sse", at: index, allowed: ["event", "data"])
                guard let data = try event.json("data") else { throw event.error("data", "every event needs data") }
                parsed.append(.init(event: try event.string("event"), data: data))
            }
            response.sse = parsed
        }
        if let socket = try fields.fields("websocket", allowed: ["frames", "close", "reason"]) {
            var webSocket = ConformanceCase.WebSocketResponse()
            webSocket.frames = try frames(socket, "frames", allowClose: false)
            webSocket.closeCode = try socket.int("close")
            webSocket.closeReason = try socket.string("reason")
            response.webSocket = webSocket
        }
        return response
    }
}
