import NIOCore

/// What the client got: the HTTP response (for a WebSocket, the handshake's) and, after a
/// successful upgrade, the frames and the close.
struct ClientTranscript {
    var answer: HTTPAnswer
    var webSocket: WebSocketTranscript?
}

/// The server's side of a WebSocket conversation.
struct WebSocketTranscript {
    var frames: [ConformanceCase.Frame] = []
    var closeCode: Int?
    var closeReason: String?
}

/// Plays a case's request against the gateway over one HTTP/1.1 connection.
enum ClientExchange {
    static func perform(_ request: ConformanceCase.Request, port: Int, timeout: Double, group: EventLoopGroup) async throws -> ClientTranscript {
        try await LoopbackClient.withConnection(port: port, timeout: timeout, group: group) { client in
            try await client.send(request.raw ?? encode(request, port: port))
            let answer = try await client.readAnswer(bodyless: request.raw == nil && request.method == "HEAD")
            guard let socket = request.webSocket, answer.status == 101 else { return ClientTranscript(answer: answer) }
            // The gateway may close after a bad frame; what it said before that is the answer.
            for frame in socket.send { try? await client.send(encode(frame)) }
            return ClientTranscript(answer: answer, webSocket: try await readFrames(&client))
        }
    }

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
            add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
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
    /// of the connection.
    private static func readFrames(_ client: inout LoopbackClient) async throws -> WebSocketTranscript {
        var transcript = WebSocketTranscript()
        var message: (opcode: UInt8, payload: [UInt8])?
        while true {
            guard let frame = WebSocketFraming.decode(client.buffer, at: 0) else {
                guard await client.receive() else { return transcript }
                continue
            }
            client.buffer.removeFirst(frame.next)
            switch frame.opcode {
            case WebSocketFraming.close:
                if frame.payload.count >= 2 {
                    transcript.closeCode = Int(frame.payload[0]) << 8 | Int(frame.payload[1])
                    transcript.closeReason = String(decoding: frame.payload.dropFirst(2), as: UTF8.self)
                }
                try? await client.send(WebSocketFraming.encode(opcode: WebSocketFraming.close, payload: Array(frame.payload.prefix(2))))
                return transcript
            case WebSocketFraming.ping:
                try? await client.send(WebSocketFraming.encode(opcode: WebSocketFraming.pong, payload: frame.payload))
            case WebSocketFraming.text, WebSocketFraming.binary, WebSocketFraming.continuation:
                var assembling = message ?? (frame.opcode, [])
                assembling.payload += frame.payload
                message = frame.fin ? nil : assembling
                if frame.fin {
                    transcript.frames.append(assembling.opcode == WebSocketFraming.binary
                        ? .binary(assembling.payload) : .text(String(decoding: assembling.payload, as: UTF8.self)))
                }
            default:
                break
            }
        }
    }
}
