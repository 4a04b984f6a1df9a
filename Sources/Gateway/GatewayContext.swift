import Synchronization
import Upstream

/// What every request handler shares: the current snapshot, the backends, header mapping,
/// limits and metrics. The snapshot can be swapped in one step; calls in flight keep theirs.
public final class GatewayContext: Sendable {
    private let current: Mutex<GatewaySnapshot>
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
        current = Mutex(snapshot)
        self.upstream = upstream
        metadata = MetadataMapping(forwardHeaders: configuration.forwardHeaders)
        limits = configuration.limits
        webSocketOptions = configuration.websocket
    }

    /// The snapshot requests use now.
    public var snapshot: GatewaySnapshot { current.withLock { $0 } }

    /// Replaces the snapshot (a reload).
    public func replace(_ snapshot: GatewaySnapshot) { current.withLock { $0 = snapshot } }

    /// Whether the gateway is shutting down (readiness fails, new connections are refused).
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    func startDraining() { draining.store(true, ordering: .relaxed) }
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
