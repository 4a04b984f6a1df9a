import Synchronization

/// The gateway's counters, kept in process and written in the Prometheus text format: requests
/// by HTTP status and by gRPC code, calls in flight, and a latency histogram.
public final class GatewayMetrics: Sendable {
    private struct Counts {
        var requestsByStatus: [Int: Int] = [:]
        var callsByCode: [String: Int] = [:]
        var inFlight = 0
        var latencyBuckets = [Int](repeating: 0, count: GatewayMetrics.bucketBounds.count)
        var latencySum = 0.0
        var latencyCount = 0
    }

    /// Upper bounds of the latency histogram, in seconds.
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let counts = Mutex(Counts())

    public init() {}

    /// A request began.
    func started() { counts.withLock { $0.inFlight += 1 } }

    /// A request ended with an HTTP status after `seconds`; `grpcCode` when a backend answered.
    func finished(httpStatus: Int, grpcCode: String?, seconds: Double) {
        counts.withLock { counts in
            counts.inFlight -= 1
            counts.requestsByStatus[httpStatus, default: 0] += 1
            if let grpcCode { counts.callsByCode[grpcCode, default: 0] += 1 }
            for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound { counts.latencyBuckets[index] += 1 }
            counts.latencySum += seconds
            counts.latencyCount += 1
        }
    }

    /// Calls in flight now.
    public var inFlight: Int { counts.withLock { $0.inFlight } }

    /// The Prometheus text exposition.
    public func exposition() -> String {
        let snapshot = counts.withLock { $0 }
        var lines: [String] = []
        lines.append("# HELP darwaza_http_requests_total HTTP requests answered, by status.")
        lines.append("# TYPE darwaza_http_requests_total counter")
        for (status, count) in snapshot.requestsByStatus.sorted(by: { $0.key < $1.key }) {
            lines.append("darwaza_http_requests_total{status=\"\(status)\"} \(count)")
        }
        lines.append("# HELP darwaza_grpc_status_total Answers, by the gRPC status code they carry.")
        lines.append("# TYPE darwaza_grpc_status_total counter")
        for (code, count) in snapshot.callsByCode.sorted(by: { $0.key < $1.key }) {
            lines.append("darwaza_grpc_status_total{code=\"\(code)\"} \(count)")
        }
        lines.append("# HELP darwaza_requests_in_flight Requests being handled.")
        lines.append("# TYPE darwaza_requests_in_flight gauge")
        lines.append("darwaza_requests_in_flight \(snapshot.inFlight)")
        lines.append("# HELP darwaza_request_duration_seconds Time from request head to the end of the answer.")
        lines.append("# TYPE darwaza_request_duration_seconds histogram")
        for (index, bound) in Self.bucketBounds.enumerated() {
            lines.append("darwaza_request_duration_seconds_bucket{le=\"\(bound)\"} \(snapshot.latencyBuckets[index])")
        }
        lines.append("darwaza_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)")
        lines.append("darwaza_request_duration_seconds_sum \(snapshot.latencySum)")
        lines.append("darwaza_request_duration_seconds_count \(snapshot.latencyCount)")
        return lines.joined(separator: "\n") + "\n"
    }
}
