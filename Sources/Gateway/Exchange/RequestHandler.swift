import HTTPRules
import NIOCore
import NIOHPACK
import NIOHTTP1
import Transcoding
import Upstream

/// Handles the HTTP requests of one HTTP/1.1 connection or one HTTP/2 stream, one at a time:
/// reads the head and a bounded body, matches the route, builds the request message, calls the
/// backend on the same event loop, and writes the answer (a JSON body, an error body, or for
/// server-streaming methods NDJSON lines or SSE events as the messages arrive).
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler, UpstreamCallObserver {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gateway: GatewayContext
    private let activity: ConnectionActivity
    private var context: ChannelHandlerContext?
    private var inProgress = false

    // The request being handled.
    private var head: HTTPRequestHead?
    private var snapshot: GatewaySnapshot?
    private var route: Route?
    private var options = TranscodingOptions()
    private var pathValues: [String] = []
    private var query: Substring?
    private var body: ByteBuffer?
    private var rejection: RPCStatus?
    private var page: StaticPage?
    private var started = NIODeadline.now()
    private var readTimer: Scheduled<Void>?

    // The backend call.
    private var call: UpstreamCall?
    private var responseMetadata = HPACKHeaders()
    private var responseMessage: [UInt8]?
    private var streaming: StreamRenderer?
    private var responseStarted = false
    private var readingPaused = false

    init(gateway: GatewayContext, activity: ConnectionActivity) {
        self.gateway = gateway
        self.activity = activity
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        abandon()
        self.context = nil
    }

    /// The client went away (or the connection was upgraded) with a request unanswered:
    /// cancel its call and count it as cancelled (499).
    private func abandon() {
        call?.cancel(RPCStatus(.cancelled, "the client went away"))
        call = nil
        guard inProgress else { return }
        record(httpStatus: 499, grpcCode: RPCStatus.Code.cancelled.description)
    }

    /// Counts the request as finished, with how long it took.
    private func record(httpStatus: Int, grpcCode: String?) {
        let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        gateway.metrics.finished(httpStatus: httpStatus, grpcCode: grpcCode, seconds: elapsed)
        setInProgress(false)
        readTimer?.cancel()
        readTimer = nil
    }

    private func setInProgress(_ value: Bool) {
        guard value != inProgress else { return }
        inProgress = value
        activity.requestsInProgress += value ? 1 : -1
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandon()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            begin(head, context: context)
        case .body(var chunk):
            guard rejection == nil, self.head != nil, call == nil else { return }
            let size = (body?.readableBytes ?? 0) + chunk.readableBytes
            guard size <= gateway.limits.maxBodyBytes else { return tooLarge() }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            readTimer?.cancel()
            readTimer = nil
            guard head != nil, call == nil, !responseStarted else { return }
            if let rejection { return answer(rejection) }
            if let page { return write(200, HTTPHeaders([("Content-Type", page.contentType)]), page.body, grpcCode: nil) }
            startCall()
        }
    }

    // MARK: Reading the request

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        reset()
        self.head = head
        started = .now()
        setInProgress(true)
        gateway.metrics.started()
        let snapshot = gateway.snapshot
        self.snapshot = snapshot
        let timeout = TimeAmount.configured(gateway.limits.requestReadTimeoutSeconds)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        readTimer = context.eventLoop.scheduleTask(in: timeout) { bound.value.readTimedOut() }
        guard head.uri.utf8.count <= gateway.limits.maxPathBytes else {
            return reject(RPCStatus(.invalidArgument, "the request path is longer than \(gateway.limits.maxPathBytes) bytes", httpStatus: 414))
        }
        guard head.version != .http1_1 || head.headers.contains(name: "host") else {
            return reject(RPCStatus(.invalidArgument, "an HTTP/1.1 request needs a Host header", httpStatus: 400))
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > gateway.limits.maxBodyBytes {
            return tooLarge()
        }
        if head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) {
            // Reaching here means the upgrade was refused; say why.
            switch WebSocketHandshake.decide(head, routes: snapshot.routes, options: gateway.webSocketOptions) {
            case .failure(let status): return reject(status)
            case .success: return reject(RPCStatus(.invalidArgument, "invalid WebSocket handshake", httpStatus: 400))
            }
        }
        let path: Substring
        (path, query) = MetadataMapping.split(uri: head.uri)
        if head.method == .GET, let page = gateway.pages[String(path)] {
            self.page = page
            return
        }
        switch snapshot.routes.match(method: head.method.rawValue, path: path) {
        case .found(let route, let captures):
            do throws(RPCStatus) {
                pathValues = try RequestBuilder.pathValues(path, captures: captures, of: route)
            } catch {
                return reject(error)
            }
            self.route = route
            self.options = snapshot.options(for: route.method.fullName)
        case .methodNotAllowed(let allowed):
            var error = RPCStatus(.unimplemented, "\(head.method.rawValue) is not allowed on \(path)", httpStatus: 405)
            error.headers = [("Allow", allowed.joined(separator: ", "))]
            reject(error)
        case .notFound:
            reject(RPCStatus(.notFound, "no route for \(head.method.rawValue) \(path)", httpStatus: 404))
        }
    }

    private func reject(_ status: RPCStatus) { rejection = status }

    private func tooLarge() {
        reject(RPCStatus(.resourceExhausted, "the request body exceeds \(gateway.limits.maxBodyBytes) bytes", httpStatus: 413))
        answer(rejection!, close: true)
    }

    private func readTimedOut() {
        guard head != nil, call == nil, !responseStarted else { return }
        answer(RPCStatus(.deadlineExceeded, "the request was not received within \(gateway.limits.requestReadTimeoutSeconds) s", httpStatus: 408), close: true)
    }

    // MARK: Calling the backend

    private func startCall() {
        guard let head, let route, let snapshot, let context else { return }
        var messages: [[UInt8]] = []
        let requestedTimeout: TimeAmount?
        do throws(RPCStatus) {
            requestedTimeout = try MetadataMapping.clientTimeout(head.headers.first(name: "grpc-timeout"))
            let bodyBytes = body.map { Array($0.readableBytesView) } ?? []
            // A client-streaming call over plain HTTP takes an NDJSON body: one message a line.
            let parts = route.method.clientStreaming ? Self.lines(of: bodyBytes) : [bodyBytes]
            let contentType = route.method.clientStreaming ? "application/json" : head.headers.first(name: "content-type")
            for (index, part) in parts.enumerated() {
                do throws(RPCStatus) {
                    messages.append(try snapshot.requests.build(
                        route, RequestBuilder.Input(pathValues: pathValues, query: query, body: part, contentType: contentType),
                        options: options))
                } catch where route.method.clientStreaming {
                    throw RPCStatus(.invalidArgument, "line \(index + 1): \(error.message)")
                }
            }
        } catch {
            return answer(error)
        }
        let service = route.method.serviceName
        if route.method.serverStreaming {
            streaming = StreamRenderer(format: StreamRenderer.Format(accept: head.headers.first(name: "accept")))
        }
        let timeout = gateway.upstream.timeout(for: service, streaming: route.method.serverStreaming, requested: requestedTimeout)
        let metadata = gateway.metadata.requestMetadata(
            head.headers, clientAddress: context.channel.remoteAddress?.ipAddress, bearerToken: query.flatMap(MetadataMapping.accessToken))
        let request = CallRequest(
            service: service, path: route.method.path, metadata: metadata, messages: messages, closeSending: true,
            timeout: timeout)
        call = gateway.upstream.startCall(request, on: context.eventLoop, observer: self)
        if call == nil { answer(RPCStatus(.unavailable, "no upstream is configured for \(service)")) }
    }

    func upstreamReceived(headers: HPACKHeaders) {
        responseMetadata = headers
        if let streaming, !responseStarted { startStream(streaming) }
    }

    func upstreamReceived(message: [UInt8]) {
        if let streaming {
            guard let route, let snapshot else { return }
            var options = options
            options.output.indent = 0  // one message per line or event
            do {
                let rendered = try snapshot.responses.render(message, route: route, options: options)
                writeChunk(streaming.message(rendered.body))
            } catch {
                call?.cancel(error)
            }
            return
        }
        if responseMessage != nil {
            call?.cancel(RPCStatus(.internal, "the backend sent more than one message for a unary call"))
            return
        }
        responseMessage = message
    }

    func upstreamFinished(status: RPCStatus, trailers: HPACKHeaders) {
        call = nil
        guard context != nil else { return }
        if let streaming, responseStarted {
            if status.code != .ok, let snapshot { writeChunk(streaming.error(snapshot.errors.render(status))) }
            return finishStream(grpcCode: status.code)
        }
        guard status.code == .ok else { return answer(status, trailers: trailers) }
        if let streaming {  // an OK stream with no messages and no headers sent yet
            startStream(streaming)
            return finishStream(grpcCode: status.code)
        }
        guard let route, let snapshot, let message = responseMessage else {
            return answer(RPCStatus(.internal, "the backend ended a unary call without a message"), trailers: trailers)
        }
        do {
            let rendered = try snapshot.responses.render(message, route: route, options: options)
            var headers = HTTPHeaders([("Content-Type", rendered.contentType)])
            MetadataMapping.addResponseMetadata(initial: responseMetadata, trailers: trailers, to: &headers)
            write(200, headers, rendered.body, grpcCode: "OK")
        } catch {
            answer(error, trailers: trailers)
        }
    }

    // MARK: Writing the answer

    private func answer(_ status: RPCStatus, trailers: HPACKHeaders = [:], close: Bool = false) {
        let body = (snapshot ?? gateway.snapshot).errors.render(status)
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        for (name, value) in status.headers { headers.add(name: name, value: value) }
        MetadataMapping.addResponseMetadata(initial: responseMetadata, trailers: trailers, to: &headers)
        write(status.httpStatus, headers, body, grpcCode: status.code.description, close: close)
    }

    private func write(_ statusCode: Int, _ headers: HTTPHeaders, _ body: [UInt8], grpcCode: String?, close: Bool = false) {
        guard let context, let head, !responseStarted else { return }
        responseStarted = true
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive && !close
        if !keepAlive, head.version.major == 1 { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: statusCode), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        end(context, keepAlive: keepAlive, httpStatus: statusCode, grpcCode: grpcCode)
    }

    private func startStream(_ renderer: StreamRenderer) {
        guard let context, let head, !responseStarted else { return }
        responseStarted = true
        var headers = HTTPHeaders([("Content-Type", renderer.contentType), ("Cache-Control", "no-cache")])
        MetadataMapping.addResponseMetadata(initial: responseMetadata, trailers: [:], to: &headers)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
    }

    /// Writes part of a streamed answer; while the client cannot take more, the backend's
    /// stream is not read (HTTP/2 flow control holds the backend back).
    private func writeChunk(_ bytes: [UInt8]) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        if !context.channel.isWritable, !readingPaused {
            readingPaused = true
            call?.pauseReading()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, readingPaused {
            readingPaused = false
            call?.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    /// Lines of an NDJSON body, blank lines skipped.
    private static func lines(of body: [UInt8]) -> [[UInt8]] {
        body.split(separator: 0x0A).map { Array($0) }.filter { line in line.contains { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 } }
    }

    private func finishStream(grpcCode: RPCStatus.Code) {
        guard let context, let head else { return }
        end(context, keepAlive: head.isKeepAlive, httpStatus: 200, grpcCode: grpcCode.description)
    }

    private func end(_ context: ChannelHandlerContext, keepAlive: Bool, httpStatus: Int, grpcCode: String?) {
        record(httpStatus: httpStatus, grpcCode: grpcCode)
        // Reset first: writing `.end` lets the pipelining handler deliver the next request at
        // once, re-entrantly, and its state must not be wiped afterwards.
        reset()
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func reset() {
        head = nil
        route = nil
        pathValues = []
        query = nil
        body = nil
        rejection = nil
        page = nil
        responseMetadata = [:]
        responseMessage = nil
        streaming = nil
        responseStarted = false
        readingPaused = false
    }
}
