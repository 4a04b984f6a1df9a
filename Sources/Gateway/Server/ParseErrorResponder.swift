import NIOCore
import NIOHTTP1
import Transcoding

/// Answers a request that HTTP/1.1 cannot even parse (malformed syntax, headers over the
/// parser's limit) with the gateway's JSON error body and closes the connection: 431 for
/// over-long headers, 400 otherwise. Sits between the codec and the pipelining handler, where
/// it can tell whether a response is already under way.
final class ParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parseError = error as? HTTPParserError else {
            return context.fireErrorCaught(error)
        }
        guard !responseInProgress else {
            context.close(promise: nil)
            return
        }
        let status: RPCStatus
        switch parseError {
        case .headerOverflow:
            status = RPCStatus(.invalidArgument, "the request headers are too large", httpStatus: 431)
        default:
            status = RPCStatus(.invalidArgument, "malformed HTTP request (\(parseError))", httpStatus: 400)
        }
        let body = Array("{\"code\":\(status.code.rawValue),\"message\":".utf8) + ErrorBody.jsonString(status.message) + [UInt8(ascii: "}")]
        let headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(body.count)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status.httpStatus), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responseInProgress = true
        case .end: responseInProgress = false
        case .body: break
        }
        context.write(data, promise: promise)
    }
}
