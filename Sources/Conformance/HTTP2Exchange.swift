import NIOCore
import NIOHPACK
import NIOHTTP2

/// Plays a request over HTTP/2 with prior knowledge (h2c), as gRPC-web proxies and modern
/// clients reach the gateway: one stream, its headers, its body, and the answer on it.
enum HTTP2Exchange {
    /// The answer on stream 1; trailers, if any, are added to the headers.
    static func perform(_ request: ConformanceCase.Request, port: Int, timeout: Double, group: EventLoopGroup) async throws -> HTTPAnswer {
        try await LoopbackDeadline.withConnection(
            port: port, timeout: timeout, group: group,
            configure: { channel in
                // Validation off, so that a case can send what a strict client would refuse to.
                try channel.pipeline.syncOperations.addHandler(
                    NIOHTTP2Handler(mode: .client, headerBlockValidation: .disabled, contentLengthValidation: .disabled))
                return try NIOAsyncChannel<HTTP2Frame, HTTP2Frame>(wrappingChannelSynchronously: channel)
            }
        ) { deadline, inbound, outbound in
            let stream = HTTP2StreamID(1)
            var headers: HPACKHeaders = [":method": request.method, ":scheme": "http", ":authority": "127.0.0.1:\(port)", ":path": request.path]
            for (name, value) in request.headers { headers.add(name: name.lowercased(), value: value) }
            try await outbound.write(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: headers, endStream: request.body == nil))))
            if let body = request.body {
                try await outbound.write(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(ByteBuffer(bytes: body)), endStream: true))))
            }
            var answer: HTTPAnswer?
            for try await frame in inbound where frame.streamID == stream {
                let ended: Bool
                switch frame.payload {
                case .headers(let block):
                    let fields = block.headers.filter { !$0.name.hasPrefix(":") }.map { (name: $0.name, value: $0.value) }
                    if var started = answer {
                        started.headers += fields
                        answer = started
                    } else {
                        guard let status = block.headers.first(name: ":status").flatMap(Int.init) else {
                            throw CaseFailure("the gateway's HTTP/2 answer has no :status")
                        }
                        answer = HTTPAnswer(status: status, headers: fields, body: [])
                    }
                    ended = block.endStream
                case .data(let data):
                    if case .byteBuffer(let buffer) = data.data { answer?.body += buffer.readableBytesView }
                    ended = data.endStream
                case .rstStream(let code):
                    throw CaseFailure("the gateway reset the HTTP/2 stream (\(code))")
                default:
                    ended = false
                }
                if ended, let answer { return answer }
            }
            if deadline.hasPassed { throw deadline.failure }
            throw CaseFailure(answer == nil ? "the connection closed with no response" : "the connection closed in the middle of a response")
        }
    }
}
