import HTTPRules
import NIOCore
import NIOHTTP1
import Transcoding

/// Answers the admin endpoints: `/healthz`, `/readyz`, `/metrics` and `/routes`.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: GatewayContext
    private var head: HTTPRequestHead?

    init(gateway: GatewayContext) { self.gateway = gateway }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, contentType, body) = answer(head)
            var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.utf8.count))])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let channel = context.channel
            let keepAlive = head.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String, String) {
        let path = String(MetadataMapping.split(uri: head.uri).path)
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, "application/json", #"{"code":12,"message":"admin endpoints answer GET only"}"#)
        }
        switch path {
        case "/healthz":
            return (.ok, "text/plain", "ok\n")
        case "/readyz":
            return gateway.isDraining ? (.serviceUnavailable, "text/plain", "draining\n") : (.ok, "text/plain", "ready\n")
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", gateway.metrics.exposition())
        case "/routes":
            return (.ok, "application/json", Self.routesJSON(gateway.snapshot.routes.routes))
        default:
            return (.notFound, "application/json", #"{"code":5,"message":"# + String(decoding: ErrorBody.jsonString("no admin endpoint at \(path)"), as: UTF8.self) + "}")
        }
    }

    /// The routes as a JSON array, one object per binding.
    static func routesJSON(_ routes: [Route]) -> String {
        func quoted(_ text: String?) -> String {
            guard let text else { return "null" }
            return String(decoding: ErrorBody.jsonString(text), as: UTF8.self)
        }
        let items = routes.map { route in
            let method = route.method
            return "{\"http_method\":\(quoted(route.httpMethod)),\"path_template\":\(quoted(route.template.text)),"
                + "\"grpc_method\":\(quoted(method.fullName)),\"body\":\(quoted(route.bodyText)),"
                + "\"response_body\":\(quoted(route.responseBody?.text)),"
                + "\"streaming\":\(method.clientStreaming || method.serverStreaming),"
                + "\"client_streaming\":\(method.clientStreaming),\"server_streaming\":\(method.serverStreaming)}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}
