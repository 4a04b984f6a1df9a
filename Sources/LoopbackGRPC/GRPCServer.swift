import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import ProtoJSON
import Transcoding
import Upstream

/// The responses of one server call, used on the call's event loop: messages, then one finish.
public final class GRPCResponseWriter {
    private let context: ChannelHandlerContext
    private var sentHeaders = false
    private(set) var isFinished = false
    /// Called once if the client cancels before the call is finished.
    public var onCancel: (() -> Void)?
    /// Response headers sent before the first message (or before the trailers, if none).
    public var initialMetadata: [(String, String)] = []

    init(context: ChannelHandlerContext) { self.context = context }

    /// The call's event loop.
    public var eventLoop: EventLoop { context.eventLoop }

    /// Sends one response message.
    public func send(_ message: [UInt8]) {
        guard !isFinished else { return }
        sendHeadersIfNeeded()
        let data = GRPCMessageReader.frame(message, allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(data)))), promise: nil)
    }

    /// Ends the call with a status (and optional trailing metadata).
    public func finish(_ status: RPCStatus, trailers extra: [(String, String)] = []) {
        guard !isFinished else { return }
        isFinished = true
        if !initialMetadata.isEmpty { sendHeadersIfNeeded() }
        var trailers: HPACKHeaders = [:]
        if !sentHeaders { trailers.add(contentsOf: [(":status", "200"), ("content-type", "application/grpc")]) }
        trailers.add(name: "grpc-status", value: String(status.code.rawValue))
        if !status.message.isEmpty { trailers.add(name: "grpc-message", value: Self.percentEncode(status.message)) }
        if let details = status.detailsBinary { trailers.add(name: "grpc-status-details-bin", value: Base64.encode(details)) }
        for (name, value) in extra { trailers.add(name: name, value: value) }
        sentHeaders = true
        context.writeAndFlush(NIOAny(HTTP2Frame.FramePayload.headers(.init(headers: trailers, endStream: true))), promise: nil)
    }

    func cancelled() {
        guard !isFinished else { return }
        isFinished = true
        onCancel?()
        onCancel = nil
    }

    private func sendHeadersIfNeeded() {
        guard !sentHeaders else { return }
        sentHeaders = true
        var headers: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
        headers.add(contentsOf: initialMetadata)
        context.write(NIOAny(HTTP2Frame.FramePayload.headers(.init(headers: headers))), promise: nil)
    }

    /// `grpc-message` is percent-encoded: everything outside printable ASCII, and `%`.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// Serves the methods of a gRPC server: given the method path, the request messages (all of
/// them; the client half-closed) and the metadata, answer through the writer.
public typealias GRPCMethodHandler = (_ path: String, _ requests: [[UInt8]], _ metadata: HPACKHeaders, _ writer: GRPCResponseWriter) -> Void

/// Hears of a call as soon as its headers arrive: the method path and the metadata.
public typealias GRPCCallOpened = @Sendable (_ path: String, _ metadata: HPACKHeaders) -> Void

/// One server call on one HTTP/2 stream: reads headers and messages until the client
/// half-closes, then hands them to the method handler.
final class GRPCServerStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let handler: GRPCMethodHandler
    private let opened: GRPCCallOpened?
    private var headers: HPACKHeaders?
    private var reader = GRPCMessageReader(maxMessageSize: 4 << 20)
    private var requests: [[UInt8]] = []
    private var writer: GRPCResponseWriter?

    init(handler: @escaping GRPCMethodHandler, opened: GRPCCallOpened?) {
        self.handler = handler
        self.opened = opened
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if headers == nil { opened?(frame.headers.first(name: ":path") ?? "", frame.headers) }
            headers = frame.headers
            if frame.endStream { dispatch(context) }
        case .data(let frame):
            if case .byteBuffer(let buffer) = frame.data { reader.append(buffer) }
            do {
                while let message = try reader.next() { requests.append(message) }
            } catch {
                let writer = GRPCResponseWriter(context: context)
                self.writer = writer
                return writer.finish(error)
            }
            if frame.endStream { dispatch(context) }
        default:
            break
        }
    }

    private func dispatch(_ context: ChannelHandlerContext) {
        guard writer == nil else { return }
        let writer = GRPCResponseWriter(context: context)
        self.writer = writer
        handler(headers?.first(name: ":path") ?? "", requests, headers ?? [:], writer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        writer?.cancelled()
        context.fireChannelInactive()
    }
}

/// A small gRPC server over HTTP/2 cleartext, for the demo backend and test backends.
public enum GRPCServer {
    /// Binds `host:port` (0 for any free port) and serves `handler`, made once per stream;
    /// `accepted` hears of each connection, `opened` of each call as its headers arrive.
    public static func bind(
        host: String, port: Int, group: EventLoopGroup, accepted: (@Sendable (Channel) -> Void)? = nil,
        opened: GRPCCallOpened? = nil, handler: @escaping @Sendable () -> GRPCMethodHandler
    ) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                accepted?(channel)
                return channel.eventLoop.makeCompletedFuture {
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(GRPCServerStreamHandler(handler: handler(), opened: opened))
                        }
                    }
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}
