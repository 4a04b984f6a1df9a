import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOWebSocket

/// Binds the API listener: HTTP/1.1 and h2c on one port, each connection with an idle timeout.
enum APIServer {
    static func bind(_ address: ListenAddress, gateway: GatewayContext, group: EventLoopGroup) async throws -> Channel {
        let idle = TimeAmount.configured(gateway.limits.idleTimeoutSeconds)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard !gateway.isDraining else { throw ChannelError.ioOnClosedChannel }
                    let activity = ConnectionActivity()
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idle))
                    try sync.addHandler(IdleCloser(activity: activity))
                    try sync.addHandler(ProtocolSniffer { channel, isHTTP2 in
                        try configure(channel, isHTTP2: isHTTP2, gateway: gateway, activity: activity)
                    })
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }

    /// Upgrades requests on streaming routes to WebSockets; a refused upgrade goes on to the
    /// request handler, which answers why (403 for a foreign origin, 404, 400). The handshake
    /// accepted by `shouldUpgrade` is the one the bridge is built from.
    private static func webSocketUpgrader(_ gateway: GatewayContext, on loop: EventLoop) -> NIOWebSocketServerUpgrader {
        let options = gateway.webSocketOptions
        let accepted = NIOLoopBoundBox<WebSocketHandshake.Accepted?>(nil, eventLoop: loop)
        return NIOWebSocketServerUpgrader(
            maxFrameSize: options.maxMessageBytes, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                accepted.value = try? WebSocketHandshake.decide(head, routes: gateway.snapshot.routes, options: options).get()
                return channel.eventLoop.makeSucceededFuture(accepted.value?.responseHeaders)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let accepted = try accepted.value ?? WebSocketHandshake.decide(head, routes: gateway.snapshot.routes, options: options).get()
                    try channel.pipeline.syncOperations.addHandler(WebSocketBridge(gateway: gateway, accepted: accepted, head: head))
                }.flatMap {
                    channel.setOption(
                        .writeBufferWaterMark,
                        value: .init(low: max(1, options.bufferBytes / 2), high: max(2, options.bufferBytes)))
                }
            })
    }

    private static func configure(_ channel: Channel, isHTTP2: Bool, gateway: GatewayContext, activity: ConnectionActivity) throws {
        let sync = channel.pipeline.syncOperations
        guard isHTTP2 else {
            let requestHandler = RequestHandler(gateway: gateway, activity: activity)
            let errorResponder = ParseErrorResponder()
            // After a WebSocket upgrade, the HTTP handlers of our own go too.
            let httpHandlers = NIOLoopBound((requestHandler, errorResponder), eventLoop: channel.eventLoop)
            try sync.configureHTTPServerPipeline(
                withPipeliningAssistance: true,
                withServerUpgrade: (
                    upgraders: [webSocketUpgrader(gateway, on: channel.eventLoop)],
                    completionHandler: { context in
                        let (requestHandler, errorResponder) = httpHandlers.value
                        context.pipeline.syncOperations.removeHandler(requestHandler, promise: nil)
                        context.pipeline.syncOperations.removeHandler(errorResponder, promise: nil)
                    }
                ),
                withErrorHandling: false)
            try sync.addHandler(errorResponder, position: .before(try sync.handler(type: HTTPServerPipelineHandler.self)))
            try sync.addHandler(requestHandler)
            return
        }
        let loop = channel.eventLoop
        let boundActivity = NIOLoopBound(activity, eventLoop: loop)
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 256),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
        ]
        _ = try sync.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: .init()
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let streamSync = stream.pipeline.syncOperations
                try streamSync.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try streamSync.addHandler(RequestHandler(gateway: gateway, activity: boundActivity.value))
            }
        }
    }
}
