import NIOCore
import NIOPosix
import Upstream

/// A running gateway: the API and admin listeners over one snapshot of descriptors and rules.
public final class Gateway: Sendable {
    /// The shared state of every request.
    public let context: GatewayContext
    /// The bound API address.
    public let apiAddress: SocketAddress
    /// The bound admin address.
    public let adminAddress: SocketAddress
    private let apiChannel: Channel
    private let adminChannel: Channel
    private let drainSeconds: Double

    private init(context: GatewayContext, apiChannel: Channel, adminChannel: Channel, drainSeconds: Double) throws {
        self.context = context
        self.apiChannel = apiChannel
        self.adminChannel = adminChannel
        self.drainSeconds = drainSeconds
        guard let api = apiChannel.localAddress, let admin = adminChannel.localAddress else {
            throw GatewayError("the listeners have no local address")
        }
        apiAddress = api
        adminAddress = admin
    }

    /// Loads everything the configuration names (and `embeddedSets`, descriptor sets held in
    /// memory), binds both listeners and starts serving; `pages` are served by path with GET.
    /// A `snapshot` already made from this configuration is used as it is.
    public static func start(
        configuration: GatewayConfiguration, snapshot: GatewaySnapshot? = nil, embeddedSets: [(source: String, bytes: [UInt8])] = [],
        pages: [String: StaticPage] = [:], group: EventLoopGroup
    ) async throws -> Gateway {
        guard let apiAddress = ListenAddress(configuration.listen) else {
            throw GatewayError("listen address \(configuration.listen) is not HOST:PORT")
        }
        guard let adminAddress = ListenAddress(configuration.admin) else {
            throw GatewayError("admin address \(configuration.admin) is not HOST:PORT")
        }
        let snapshot = try snapshot ?? GatewaySnapshot(configuration: configuration, embeddedSets: embeddedSets)
        var upstreams = UpstreamClient.Configuration()
        for (service, urls) in configuration.upstreams {
            upstreams.endpoints[service] = try urls.map { url in
                guard let endpoint = UpstreamEndpoint(url: url) else {
                    throw GatewayError("upstream \(service): \(url) is not http://host:port or https://host:port")
                }
                return endpoint
            }
        }
        upstreams.timeouts = configuration.timeouts.mapValues { .configured($0) }
        upstreams.maxMessageSize = configuration.limits.maxResponseMessageBytes
        upstreams.caFile = configuration.upstreamCA
        let upstream = try UpstreamClient(configuration: upstreams, group: group)
        let context = GatewayContext(snapshot: snapshot, upstream: upstream, configuration: configuration, pages: pages)
        var channels: [Channel] = []
        do {
            channels.append(try await APIServer.bind(apiAddress, gateway: context, group: group))
            channels.append(try await AdminServer.bind(adminAddress, gateway: context, group: group))
            return try Gateway(context: context, apiChannel: channels[0], adminChannel: channels[1], drainSeconds: configuration.limits.drainSeconds)
        } catch {
            for channel in channels { try? await channel.close() }
            upstream.close()
            throw error
        }
    }

    /// Stops accepting, lets calls in flight finish for at most the drain time, then closes.
    public func shutdown() async {
        context.startDraining()
        try? await apiChannel.close()
        context.webSockets.closeAll()
        let deadline = NIODeadline.now() + .configured(drainSeconds)
        while context.metrics.inFlight > 0 || context.webSockets.count > 0, NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        context.upstream.close()
        try? await adminChannel.close()
    }
}

/// Binds the admin listener (HTTP/1.1).
enum AdminServer {
    static func bind(_ address: ListenAddress, gateway: GatewayContext, group: EventLoopGroup) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(gateway: gateway))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}
