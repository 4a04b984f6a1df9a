import NIOCore

/// What the client got: the HTTP response (for a WebSocket, the handshake's) and, after a
/// successful upgrade, the frames and the close.
struct ClientTranscript {
    var answer: HTTPAnswer
    var webSocket: ConformanceCase.WebSocketResponse?
}

/// Plays a case's request against the gateway over one connection: HTTP/1.1 (raw bytes,
/// WebSockets) or, when the case asks, HTTP/2.
enum ClientExchange {
    /// Sends `request` to the gateway on `port` and reads its whole answer, within `timeout` seconds.
    static func perform(_ request: ConformanceCase.Request, port: Int, timeout: Double, group: EventLoopGroup) async throws -> ClientTranscript {
        if request.http2 {
            return ClientTranscript(answer: try await HTTP2Exchange.perform(request, port: port, timeout: timeout, group: group))
        }
        return try await LoopbackClient.withConnection(port: port, timeout: timeout, group: group) { client in
            try await client.send(request.raw ?? encode(request, port: port))
            let method = request.raw.map { String(decoding: $0.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self) } ?? request.method
            var answer = try await client.readAnswer(bodyless: method == "HEAD")
            guard let socket = request.webSocket, answer.status == 101 else {
                let connection = request.headers.first { $0.name.lowercased() == "connection" }?.value.lowercased() ?? "close"
                if request.raw == nil, request.webSocket == nil, connection == "close" {
                    // The request said `Connection: close`: nothing may follow the answer.
                    try await client.readToEnd()
                    answer.trailingBytes = client.buffer.count
                }
                return ClientTranscript(answer: answer)
            }
            guard answer.values("sec-websocket-accept") == [acceptKey] else {
                throw CaseFailure("the 101 answer's Sec-WebSocket-Accept is \(answer.values("sec-websocket-accept")), not [\"\(acceptKey)\"]")
            }
            // The gateway may close after a bad frame; what it said before that is the answer.
            for frame in socket.send { try? await client.send(encode(frame)) }
            return ClientTranscript(answer: answer, webSocket: try await readFrames(&client))
        }
    }

    /// The handshake key every case sends, and the accept value it must get back (RFC 6455's
    /// own example pair).
    private static let key = "dGhlIHNhbXBsZSBub25jZQ==", acceptKey = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    /// The request's bytes: request line, headers (with Host, Content-Length and, for a
    /// WebSocket, the upgrade headers, unless the case gives them) and body.
    private static func encode(_ request: ConformanceCase.Request, port: Int) -> [UInt8] {
        var headers = request.headers
        func add(_ name: String, _ value: String) {
            if !headers.contains(where: { $0.name.lowercased() == name.lowercased() }) { headers.append((name, value)) }
        }
        add("Host", "127.0.0.1:\(port)")
        if let socket = request.webSocket {
            add("Upgrade", "websocket")
            add("Connection", "Upgrade")
            add("Sec-WebSocket-Key", key)
            add("Sec-WebSocket-Version", "13")
            if !socket.protocols.isEmpty { add("Sec-WebSocket-Protocol", socket.protocols.joined(separator: ", ")) }
        } else {
            add("Connection", "close")
        }
        if let body = request.body { add("Content-Length", String(body.count)) }
        var head = "\(request.method) \(request.path) HTTP/1.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + (request.body ?? [])
    }

    private static func encode(_ frame: ConformanceCase.Frame) -> [UInt8] {
        switch frame {
        case .json(let value): WebSocketFraming.encode(opcode: WebSocketFraming.text, payload: Array(value.text.utf8))
        case .text(let text): WebSocketFraming.encode(opcode: WebSocketFraming.text, payload: Array(text.utf8))
        case .binary(let bytes): WebSocketFraming.encode(opcode: WebSocketFraming.binary, payload: bytes)
        case .close(let code, let reason):
            WebSocketFraming.encode(opcode: WebSocketFraming.close, payload: WebSocketFraming.closePayload(code: code, reason: reason))
        }
    }

    /// Reads frames until the server's close frame (answered with the same code) or the end
    /// of the connection; a close frame with no code counts as 1005, as RFC 6455 says.
    private static func readFrames(_ client: inout LoopbackClient) async throws -> ConformanceCase.WebSocketResponse {
        var transcript = ConformanceCase.WebSocketResponse()
        var message: (opcode: UInt8, payload: [UInt8])?
        while true {
            guard let frame = try WebSocketFraming.decode(client.buffer) else {
                guard try await client.receive() else { return transcript }
                continue
            }
            client.buffer.removeFirst(frame.next)
            switch frame.opcode {
            case WebSocketFraming.close:
                transcript.closeCode = 1005
                transcript.closeReason = ""
                if frame.payload.count >= 2 {
                    transcript.closeCode = Int(frame.payload[0]) << 8 | Int(frame.payload[1])
                    transcript.closeReason = String(decoding: frame.payload.dropFirst(2), as: UTF8.self)
                }
                try? await client.send(WebSocketFraming.encode(opcode: WebSocketFraming.close, payload: Array(frame.payload.prefix(2))))
                return transcript
            case WebSocketFraming.ping:
                try? await client.send(WebSocketFraming.encode(opcode: WebSocketFraming.pong, payload: frame.payload))
            case WebSocketFraming.pong:
                break
            default:
                guard (frame.opcode == WebSocketFraming.continuation) == (message != nil) else {
                    throw CaseFailure(message == nil ? "the server continued a message it never started" : "the server started a message inside another")
                }
                var assembling = message ?? (frame.opcode, [])
                assembling.payload += frame.payload
                message = frame.fin ? nil : assembling
                guard frame.fin else { continue }
                if assembling.opcode == WebSocketFraming.binary {
                    transcript.frames.append(.binary(assembling.payload))
                } else {
                    guard let text = String(validating: assembling.payload, as: UTF8.self) else {
                        throw CaseFailure("the server sent a text message that is not UTF-8")
                    }
                    transcript.frames.append(.text(text))
                }
            }
        }
    }
}
