import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Transcoding

/// One HTTP/2 connection to one backend endpoint, owned by one event loop: calls of that loop
/// are multiplexed on it without leaving the loop. Connects lazily; after a failed connect the
/// endpoint is out of rotation until its backoff expires.
final class UpstreamConnection {
    private typealias Waiting = (handler: UpstreamCallHandler, failed: (RPCStatus) -> Void)

    private enum State {
        case idle
        case connecting([Waiting])
        case ready(Channel, NIOHTTP2Handler.StreamMultiplexer)
        case backingOff(until: NIODeadline)
    }

    let endpoint: UpstreamEndpoint
    private let eventLoop: EventLoop
    private let tls: NIOSSLContext?
    private let connectTimeout: TimeAmount
    private var state = State.idle
    private var failures = 0

    init(endpoint: UpstreamEndpoint, eventLoop: EventLoop, tls: NIOSSLContext?, connectTimeout: TimeAmount) {
        self.endpoint = endpoint
        self.eventLoop = eventLoop
        self.tls = tls
        self.connectTimeout = connectTimeout
    }

    /// Whether calls may be sent here now (not inside a backoff after a failed connect).
    var isInRotation: Bool {
        if case .backingOff(let until) = state { return NIODeadline.now() >= until }
        return true
    }

    /// Starts `handler`'s call on a new stream; `failed` is called instead when the connection
    /// cannot be made, so that the caller may try another endpoint.
    func open(_ handler: UpstreamCallHandler, failed: @escaping (RPCStatus) -> Void) {
        streams += 1
        switch state {
        case .ready(_, let multiplexer):
            createStream(handler, multiplexer)
        case .connecting(var waiting):
            waiting.append((handler, failed))
            state = .connecting(waiting)
        case .idle, .backingOff:
            state = .connecting([(handler, failed)])
            connect()
        }
    }

    /// Calls started here and not yet ended, waiting ones included.
    private(set) var streams = 0

    /// Whether another call fits: HTTP/2 servers that announce no limit get NIO's default of
    /// 100 concurrent streams, so a busy endpoint gets more connections instead of a queue.
    var hasCapacity: Bool { streams < Self.streamsPerConnection }

    static let streamsPerConnection = 100

    private func createStream(_ handler: UpstreamCallHandler, _ multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        let bound = NIOLoopBound(handler, eventLoop: eventLoop)
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let created = eventLoop.makePromise(of: Channel.self)
        created.futureResult.whenComplete { result in
            switch result {
            case .success(let channel): channel.closeFuture.whenComplete { _ in this.value.streams -= 1 }
            case .failure: this.value.streams -= 1
            }
        }
        multiplexer.createStreamChannel(promise: created) { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(bound.value) }
        }
    }

    private func connect() {
        let tls = self.tls
        let host = endpoint.host
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let handler = try NIOSSLClientHandler(context: tls, serverHostname: host.isIPAddress ? nil : host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    connection.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
                        HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
                        HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
                    ]
                    var stream = NIOHTTP2Handler.StreamConfiguration()
                    stream.targetWindowSize = 1 << 20
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .client, connectionConfiguration: connection, streamConfiguration: stream
                    ) { inbound in inbound.close() }
                }
            }
        let connected = bootstrap.connect(host: endpoint.host, port: endpoint.port).flatMapThrowing { channel in
            (channel, try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self).syncMultiplexer())
        }
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        connected.whenComplete { result in
            let connection = this.value
            switch result {
            case .success(let (channel, multiplexer)):
                connection.connected(channel, multiplexer)
            case .failure(let error):
                connection.connectFailed(error)
            }
        }
    }

    private func connected(_ channel: Channel, _ multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        var waiting: [Waiting] = []
        if case .connecting(let queued) = state { waiting = queued }
        failures = 0
        state = .ready(channel, multiplexer)
        for (handler, _) in waiting {
            if handler.isFinished { streams -= 1 } else { createStream(handler, multiplexer) }
        }
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        channel.closeFuture.whenComplete { _ in
            let connection = this.value
            if case .ready(let current, _) = connection.state, current === channel { connection.state = .idle }
        }
    }

    private func connectFailed(_ error: Error) {
        var waiting: [Waiting] = []
        if case .connecting(let queued) = state { waiting = queued }
        failures += 1
        let backoff = TimeAmount.milliseconds(Int64(min(30_000, 250 << min(failures, 7))))
        state = .backingOff(until: .now() + backoff)
        let status = RPCStatus(.unavailable, "cannot connect to \(endpoint): \(error)")
        streams -= waiting.count
        for (_, failed) in waiting { failed(status) }
    }

    /// Closes the connection.
    func close() {
        if case .ready(let channel, _) = state { channel.close(promise: nil) }
        state = .idle
    }
}

extension String {
    /// Whether the text is an IPv4 or IPv6 address literal rather than a host name.
    var isIPAddress: Bool { (try? SocketAddress(ipAddress: self, port: 0)) != nil }
}
