import NIOCore
import NIOHPACK
import NIOHTTP2
import Transcoding

/// Drives one gRPC call on one HTTP/2 stream channel: writes the request headers and framed
/// messages, reads response headers, messages and trailers, and reports them to its observer.
/// Created before its stream exists, so that sends and cancellation are buffered until then.
final class UpstreamCallHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum State { case pending, open, finished }

    private let requestHeaders: HPACKHeaders
    private var outbound: [[UInt8]]
    private var sendingClosed: Bool
    private var observer: UpstreamCallObserver?
    private var reader: GRPCMessageReader
    private var state = State.pending
    private var sawResponseHeaders = false
    private var context: ChannelHandlerContext?

    init(requestHeaders: HPACKHeaders, messages: [[UInt8]], closeSending: Bool, maxMessageSize: Int, observer: UpstreamCallObserver) {
        self.requestHeaders = requestHeaders
        self.outbound = messages
        self.sendingClosed = closeSending
        self.observer = observer
        self.reader = GRPCMessageReader(maxMessageSize: maxMessageSize)
    }

    var isFinished: Bool { state == .finished }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if state == .finished {
            context.close(promise: nil)
        } else if context.channel.isActive {
            start(context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if state == .pending { start(context) }
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        state = .open
        context.write(wrapOutboundOut(.headers(.init(headers: requestHeaders, endStream: false))), promise: nil)
        writeOutbound()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Queues a request message (client and bidirectional streaming).
    func send(_ message: [UInt8]) {
        guard !sendingClosed, state != .finished else { return }
        outbound.append(message)
        if state == .open { writeOutbound() }
    }

    /// Half-closes the request side.
    func closeSending() {
        guard !sendingClosed, state != .finished else { return }
        sendingClosed = true
        if state == .open { writeOutbound() }
    }

    private func writeOutbound() {
        guard let context else { return }
        let messages = outbound
        outbound.removeAll()
        for (index, message) in messages.enumerated() {
            let last = index == messages.count - 1
            let data = GRPCMessageReader.frame(message, allocator: context.channel.allocator)
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(data), endStream: last && sendingClosed))), promise: nil)
        }
        if messages.isEmpty, sendingClosed {
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))), promise: nil)
        }
        context.flush()
    }

    /// Turns reading of the stream on or off, for a client that cannot keep up.
    func setReading(_ on: Bool) {
        guard let context else { return }
        context.channel.setOption(ChannelOptions.autoRead, value: on).whenComplete { _ in }
        if on { context.read() }
    }

    /// Ends the call from this side: reports `status` and resets the stream.
    func cancel(_ status: RPCStatus) {
        guard state != .finished else { return }
        finish(status, trailers: [:])
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .finished else { return }
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !sawResponseHeaders {
                sawResponseHeaders = true
                let status = frame.headers.first(name: ":status").flatMap { Int($0) } ?? 0
                guard status == 200 else {
                    return abort(GRPCStatusHeaders.status(forHTTPStatus: status), context: context)
                }
                if frame.endStream {  // trailers-only answer
                    return finish(GRPCStatusHeaders.status(from: frame.headers), trailers: frame.headers)
                }
                guard let contentType = frame.headers.first(name: "content-type"), contentType.hasPrefix("application/grpc") else {
                    return abort(RPCStatus(.unknown, "the backend answered without a gRPC content type"), context: context)
                }
                observer?.upstreamReceived(headers: frame.headers)
            } else {
                if reader.hasPartialMessage {
                    return finish(RPCStatus(.internal, "the backend ended the stream inside a message"), trailers: frame.headers)
                }
                finish(GRPCStatusHeaders.status(from: frame.headers), trailers: frame.headers)
            }
        case .data(let frame):
            guard case .byteBuffer(let buffer) = frame.data else { return }
            reader.append(buffer)
            do {
                while state != .finished, let message = try reader.next() { observer?.upstreamReceived(message: message) }
            } catch {
                return abort(error, context: context)
            }
            if frame.endStream, state != .finished {
                finish(RPCStatus(.internal, "the backend ended the stream without trailers"), trailers: [:])
            }
        case .rstStream(let code):
            finish(Self.status(forReset: code), trailers: [:])
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state != .finished { finish(RPCStatus(.unavailable, "the backend closed the stream"), trailers: [:]) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if state != .finished { abort(RPCStatus(.unavailable, "the backend stream failed: \(error)"), context: context) }
    }

    private func abort(_ status: RPCStatus, context: ChannelHandlerContext) {
        finish(status, trailers: [:])
        context.close(promise: nil)
    }

    private func finish(_ status: RPCStatus, trailers: HPACKHeaders) {
        state = .finished
        let observer = self.observer
        self.observer = nil
        observer?.upstreamFinished(status: status, trailers: trailers)
    }

    private static func status(forReset code: HTTP2ErrorCode) -> RPCStatus {
        switch code {
        case .refusedStream: RPCStatus(.unavailable, "the backend refused the stream")
        case .cancel: RPCStatus(.cancelled, "the backend cancelled the call")
        case .enhanceYourCalm: RPCStatus(.resourceExhausted, "the backend asked to slow down")
        default: RPCStatus(.internal, "the backend reset the stream (\(code))")
        }
    }
}
