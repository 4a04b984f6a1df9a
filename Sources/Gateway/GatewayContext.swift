import NIOCore
import Synchronization
import Upstream

/// What every request handler shares: the snapshot, the backends, header mapping, limits
/// and metrics.
public final class GatewayContext: Sendable {
    /// The descriptors, routes and options requests use.
    public let snapshot: GatewaySnapshot
    let upstream: UpstreamClient
    let metadata: MetadataMapping
    let limits: GatewayConfiguration.Limits
    let webSocketOptions: GatewayConfiguration.WebSocketOptions
    let webSockets = WebSocketRegistry()
    public let metrics = GatewayMetrics()
    /// Fixed pages served by path outside the API's routes (the demo's browser page).
    let pages: [String: StaticPage]
    private let draining = Atomic<Bool>(false)

    init(snapshot: GatewaySnapshot, upstream: UpstreamClient, configuration: GatewayConfiguration, pages: [String: StaticPage]) {
        self.pages = pages
        self.snapshot = snapshot
        self.upstream = upstream
        metadata = MetadataMapping(forwardHeaders: configuration.forwardHeaders)
        limits = configuration.limits
        webSocketOptions = configuration.websocket
    }

    /// Whether the gateway is shutting down (readiness fails, new connections are refused).
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    func startDraining() { draining.store(true, ordering: .relaxed) }
}

extension TimeAmount {
    /// A time given in seconds in configuration (bounded to a year by validation).
    static func configured(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1e9)) }
}

/// A fixed page: its content type and bytes.
public struct StaticPage: Sendable {
    public var contentType: String
    public var body: [UInt8]

    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }
}
