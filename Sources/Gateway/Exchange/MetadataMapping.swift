import HTTPRules
import NIOCore
import NIOHPACK
import NIOHTTP1
import Transcoding

/// Which HTTP headers become gRPC metadata and back. Upstream: `Authorization`,
/// `Grpc-Metadata-<name>` (prefix stripped), the configured allowlist, and the
/// `x-forwarded-*` headers; never hop-by-hop or gRPC's reserved headers. Downstream: the
/// backend's initial metadata as `Grpc-Metadata-<name>`, its trailers as `Grpc-Trailer-<name>`.
struct MetadataMapping: Sendable {
    private let forwarded: Set<String>

    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "content-type", "user-agent",
    ]

    init(forwardHeaders: [String]) {
        forwarded = Set(forwardHeaders.map { $0.lowercased() }.filter(Self.isSendable))
    }

    /// Whether a metadata name may be sent to a backend: no pseudo-headers, no reserved
    /// `grpc-` names, nothing hop-by-hop.
    private static func isSendable(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(":") && !name.hasPrefix("grpc-") && !hopByHop.contains(name)
    }

    /// The metadata for a backend call made for this request; `bearerToken` (from
    /// `access_token` or a WebSocket sub-protocol) becomes `authorization` when the request has
    /// none of its own.
    func requestMetadata(_ headers: HTTPHeaders, clientAddress: String?, bearerToken: String?) -> HPACKHeaders {
        var metadata = HPACKHeaders()
        var forwardedFor: String?
        var host: String?
        for (name, value) in headers {
            let lower = name.lowercased()
            switch lower {
            case "authorization":
                metadata.add(name: lower, value: value)
            case "x-forwarded-for":
                forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value
            case "host":
                host = value
            case "x-forwarded-host", "x-forwarded-proto":
                continue  // written by the gateway itself below
            default:
                if lower.hasPrefix("grpc-metadata-") {
                    let stripped = String(lower.dropFirst("grpc-metadata-".count))
                    if Self.isSendable(stripped) { metadata.add(name: stripped, value: value) }
                } else if forwarded.contains(lower) {
                    metadata.add(name: lower, value: value)
                }
            }
        }
        if let clientAddress {
            metadata.add(name: "x-forwarded-for", value: forwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
        } else if let forwardedFor {
            metadata.add(name: "x-forwarded-for", value: forwardedFor)
        }
        if let host { metadata.add(name: "x-forwarded-host", value: host) }
        metadata.add(name: "x-forwarded-proto", value: "http")
        if let bearerToken, !metadata.contains(name: "authorization") { metadata.add(name: "authorization", value: "Bearer " + bearerToken) }
        return metadata
    }

    private static let notRelayed: Set<String> = [
        "content-type", "content-length", "grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding",
        "grpc-accept-encoding", "te", "trailer", "transfer-encoding", "connection", "date", "server",
    ]

    /// Adds a backend's initial metadata and trailers to the HTTP response headers.
    static func addResponseMetadata(initial: HPACKHeaders, trailers: HPACKHeaders, to headers: inout HTTPHeaders) {
        for (name, value, _) in initial where !name.hasPrefix(":") && !notRelayed.contains(name) {
            headers.add(name: "Grpc-Metadata-" + name, value: value)
        }
        for (name, value, _) in trailers where !name.hasPrefix(":") && !notRelayed.contains(name) {
            headers.add(name: "Grpc-Trailer-" + name, value: value)
        }
    }

    /// The `access_token` query parameter, which browsers use where they cannot send an
    /// `Authorization` header (WebSocket, EventSource).
    static func accessToken(_ query: Substring) -> String? {
        for pair in query.split(separator: "&") where pair.hasPrefix("access_token=") {
            return try? PercentDecoding.decode(pair.dropFirst("access_token=".count), plusAsSpace: true)
        }
        return nil
    }

    private static let timeoutUnits: [Character: Int64] = [
        "H": 3_600_000_000_000, "M": 60_000_000_000, "S": 1_000_000_000, "m": 1_000_000, "u": 1_000, "n": 1,
    ]

    /// The path and the query of a request target, split at the first `?`.
    static func split(uri: String) -> (path: Substring, query: Substring?) {
        guard let mark = uri.firstIndex(of: "?") else { return (Substring(uri), nil) }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }

    /// The deadline a client asked for with `Grpc-Timeout` (1 to 8 digits and a unit of
    /// `H M S m u n`); nil when absent.
    static func clientTimeout(_ value: String?) throws(RPCStatus) -> TimeAmount? {
        guard let value else { return nil }
        guard let unit = value.last.flatMap({ timeoutUnits[$0] }), (2...9).contains(value.count),
            value.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int64(value.dropLast())
        else {
            throw RPCStatus(.invalidArgument, "malformed Grpc-Timeout \"\(value)\": expected 1 to 8 digits and a unit, H, M, S, m, u or n")
        }
        let (nanoseconds, overflow) = amount.multipliedReportingOverflow(by: unit)
        return .nanoseconds(overflow ? .max : nanoseconds)
    }
}
