import HTTPRules
import NIOCore
import NIOHTTP1
import ProtoJSON
import Transcoding

/// Decides whether an HTTP request may become a WebSocket: the path must match a route of a
/// streaming method (under any HTTP method, since browsers upgrade with GET), the `Origin` must
/// be allowed, and the sub-protocols and extensions offered are negotiated here.
struct WebSocketHandshake {
    /// The sub-protocol under which text frames carry JSON messages.
    static let jsonProtocol = "darwaza.json.v1"
    /// The sub-protocol under which binary frames carry protobuf binary messages.
    static let binaryProtocol = "darwaza.binary.v1"
    /// The prefix of a sub-protocol entry that carries a bearer token: `bearer.<token>`.
    static let bearerPrefix = "bearer."

    /// What an accepted upgrade binds.
    struct Accepted {
        var route: Route
        /// The path variables' values, decoded.
        var pathValues: [String]
        var query: Substring?
        var subprotocol: String?
        var binaryMessages: Bool
        var deflate: Bool
        var bearerToken: String?
        /// The client's `Grpc-Timeout`, if it gave one.
        var requestedTimeout: TimeAmount?

        /// Headers for the 101 answer.
        var responseHeaders: HTTPHeaders {
            var headers = HTTPHeaders()
            if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
            if deflate { headers.add(name: "Sec-WebSocket-Extensions", value: PerMessageDeflate.acceptedOffer) }
            return headers
        }
    }

    /// Accepts the upgrade or says, as a status, why not.
    static func decide(_ head: HTTPRequestHead, routes: RouteTable, options: GatewayConfiguration.WebSocketOptions) -> Result<Accepted, RPCStatus> {
        let (path, query) = MetadataMapping.split(uri: head.uri)
        guard let key = head.headers.first(name: "sec-websocket-key"), Base64.decode(key)?.count == 16 else {
            return .failure(RPCStatus(.invalidArgument, "invalid WebSocket handshake: Sec-WebSocket-Key must be 16 bytes in base64", httpStatus: 400))
        }
        guard let (route, captures) = streamingRoute(routes, path: path) else {
            return .failure(RPCStatus(.notFound, "no streaming method is bound to \(path)", httpStatus: 404))
        }
        guard isAllowed(origin: head.headers.first(name: "origin"), host: head.headers.first(name: "host"), options: options) else {
            return .failure(RPCStatus(.permissionDenied, "origin \(head.headers.first(name: "origin") ?? "") may not open WebSockets here", httpStatus: 403))
        }
        let pathValues: [String]
        let requestedTimeout: TimeAmount?
        do throws(RPCStatus) {
            pathValues = try RequestBuilder.pathValues(path, captures: captures, of: route)
            requestedTimeout = try MetadataMapping.clientTimeout(head.headers.first(name: "grpc-timeout"))
        } catch {
            return .failure(error)
        }
        let offered = head.headers[canonicalForm: "sec-websocket-protocol"].map(String.init)
        let token = offered.first { $0.hasPrefix(bearerPrefix) }.map { String($0.dropFirst(bearerPrefix.count)) }
            ?? query.flatMap(MetadataMapping.accessToken)
        let binary = offered.contains(binaryProtocol)
        let subprotocol = binary ? binaryProtocol : offered.contains(jsonProtocol) ? jsonProtocol : offered.first
        return .success(Accepted(
            route: route, pathValues: pathValues, query: query, subprotocol: subprotocol, binaryMessages: binary,
            deflate: PerMessageDeflate.isOffered(in: head.headers[canonicalForm: "sec-websocket-extensions"].joined(separator: ",")),
            bearerToken: token, requestedTimeout: requestedTimeout))
    }

    /// A route of a streaming method matching `path` under GET or any other method.
    private static func streamingRoute(_ routes: RouteTable, path: Substring) -> (Route, [Substring])? {
        var methods = ["GET"]
        if case .methodNotAllowed(let allowed) = routes.match(method: "GET", path: path) { methods += allowed }
        for method in methods {
            if case .found(let route, let captures) = routes.match(method: method, path: path),
                route.method.serverStreaming || route.method.clientStreaming
            {
                return (route, captures)
            }
        }
        return nil
    }

    /// No `Origin` (not a browser), an allowlisted one, or by default the request's own host.
    static func isAllowed(origin: String?, host: String?, options: GatewayConfiguration.WebSocketOptions) -> Bool {
        guard let origin else { return true }
        if options.allowedOrigins.contains("*") || options.allowedOrigins.contains(origin) { return true }
        guard let host, let schemeEnd = origin.range(of: "://") else { return false }
        return origin[schemeEnd.upperBound...].lowercased() == host.lowercased()
    }
}
