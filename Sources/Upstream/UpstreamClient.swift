import NIOCore
import Synchronization
import NIOSSL
import Transcoding

/// The position in a service's rotation, shared by its clusters on every event loop, so that
/// calls alternate across endpoints whichever loop they start on.
final class RoundRobin: Sendable {
    private let counter = Atomic<Int>(0)

    func next() -> Int { counter.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max }
}

/// The endpoints of one service on one event loop, taken round-robin, skipping endpoints that
/// are backing off after a failed connect.
final class UpstreamCluster {
    /// The connections to each endpoint; the first is made at once, more when it is busy.
    private var endpoints: [[UpstreamConnection]]
    private let rotation: RoundRobin
    private let makeConnection: (UpstreamEndpoint) -> UpstreamConnection

    init(_ endpoints: [UpstreamEndpoint], rotation: RoundRobin, makeConnection: @escaping (UpstreamEndpoint) -> UpstreamConnection) {
        self.endpoints = endpoints.map { [makeConnection($0)] }
        self.rotation = rotation
        self.makeConnection = makeConnection
    }

    var count: Int { endpoints.count }

    /// A connection of the next endpoint in rotation, or nil when every endpoint is backing off.
    func next() -> UpstreamConnection? {
        for _ in 0..<endpoints.count {
            let index = rotation.next() % endpoints.count
            guard let first = endpoints[index].first, first.isInRotation else { continue }
            if let free = endpoints[index].first(where: \.hasCapacity) { return free }
            let added = makeConnection(first.endpoint)
            endpoints[index].append(added)
            return added
        }
        return nil
    }

    func close() { endpoints.joined().forEach { $0.close() } }
}

/// Sends gRPC calls to the backends of each service over HTTP/2. Each event loop has its own
/// connections, so a call never leaves the loop of the request that started it.
public final class UpstreamClient: Sendable {
    /// Where each service's backends are and how to reach them.
    public struct Configuration: Sendable {
        /// Endpoints by fully qualified service name; `*` serves services without their own.
        public var endpoints: [String: [UpstreamEndpoint]] = [:]
        /// The longest a call may take, by service (`*` for the default); 15 s if unset.
        public var timeouts: [String: TimeAmount] = [:]
        /// How long a connect may take.
        public var connectTimeout: TimeAmount = .seconds(5)
        /// The largest response message accepted.
        public var maxMessageSize = 4 << 20
        /// A PEM file of extra CA certificates for TLS backends.
        public var caFile: String?

        public init() {}
    }

    private let configuration: Configuration
    private let clusters: [ObjectIdentifier: NIOLoopBoundBox<[String: UpstreamCluster]>]

    /// Prepares connections (made lazily) on every loop of `group`.
    public init(configuration: Configuration, group: EventLoopGroup) throws {
        self.configuration = configuration
        var tls: NIOSSLContext?
        if configuration.endpoints.values.contains(where: { $0.contains(where: \.useTLS) }) {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.applicationProtocols = ["h2"]
            if let caFile = configuration.caFile {
                tlsConfiguration.additionalTrustRoots = [.file(caFile)]
            }
            tls = try NIOSSLContext(configuration: tlsConfiguration)
        }
        var clusters: [ObjectIdentifier: NIOLoopBoundBox<[String: UpstreamCluster]>] = [:]
        let rotations = configuration.endpoints.mapValues { _ in RoundRobin() }
        for loop in group.makeIterator() {
            clusters[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                Self.makeClusters(configuration, rotations: rotations, loop: loop, tls: tls), as: [String: UpstreamCluster].self,
                eventLoop: loop)
        }
        self.clusters = clusters
    }

    /// The connections of one event loop, by service.
    private static func makeClusters(
        _ configuration: Configuration, rotations: [String: RoundRobin], loop: EventLoop, tls: NIOSSLContext?
    ) -> sending [String: UpstreamCluster] {
        var clusters: [String: UpstreamCluster] = [:]
        let connectTimeout = configuration.connectTimeout
        for (service, endpoints) in configuration.endpoints {
            clusters[service] = UpstreamCluster(endpoints, rotation: rotations[service] ?? RoundRobin()) { endpoint in
                UpstreamConnection(endpoint: endpoint, eventLoop: loop, tls: endpoint.useTLS ? tls : nil, connectTimeout: connectTimeout)
            }
        }
        return clusters
    }

    /// Whether a service has backends (its own or the `*` ones).
    public func hasEndpoints(for service: String) -> Bool {
        configuration.endpoints[service] != nil || configuration.endpoints["*"] != nil
    }

    /// The deadline of a call to a service: the client's `requested` one if shorter. Unary
    /// calls default to 15 s; a stream with no configured timeout lives until the client or
    /// the backend ends it.
    public func timeout(for service: String, streaming: Bool, requested: TimeAmount?) -> TimeAmount {
        let configured = configuration.timeouts[service] ?? configuration.timeouts["*"] ?? (streaming ? .hours(24) : .seconds(15))
        guard let requested else { return configured }
        return min(requested, configured)
    }

    /// Starts a call; must be called on `eventLoop`, where the observer hears of it.
    public func startCall(_ request: CallRequest, on eventLoop: EventLoop, observer: UpstreamCallObserver) -> UpstreamCall? {
        guard let byService = clusters[ObjectIdentifier(eventLoop)]?.value,
            let cluster = byService[request.service] ?? byService["*"]
        else { return nil }
        let call = UpstreamCall(
            request: request, cluster: cluster, eventLoop: eventLoop, maxMessageSize: configuration.maxMessageSize,
            observer: observer)
        call.start()
        return call
    }

    /// Closes every connection.
    public func close() {
        for bound in clusters.values {
            bound.eventLoop.execute { bound.value.values.forEach { $0.close() } }
        }
    }
}
