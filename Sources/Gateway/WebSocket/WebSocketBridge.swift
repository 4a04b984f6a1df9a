import HTTPRules
import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOWebSocket
import Transcoding
import Upstream

/// Bridges one WebSocket to one streaming gRPC call. Each client text frame is a request message
/// in JSON (binary frames carry protobuf binary under `darwaza.binary.v1`); an empty text frame
/// half-closes the request side; each response message is one frame. The end is a close 1000,
/// or an `{"error": status}` frame and close 4000 + code. Upstream reads follow the client's pace
/// through a bounded buffer; a client that stays behind too long is closed with 1008.
final class WebSocketBridge: ChannelInboundHandler, UpstreamCallObserver {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let gateway: GatewayContext
    private let snapshot: GatewaySnapshot
    private let accepted: WebSocketHandshake.Accepted
    private let head: HTTPRequestHead
    private let options: GatewayConfiguration.WebSocketOptions
    /// The method's JSON options, and the same without indentation for response frames.
    private let transcoding: TranscodingOptions
    private let frameTranscoding: TranscodingOptions
    private var context: ChannelHandlerContext?
    private var assembler: WebSocketMessageAssembler
    private var call: UpstreamCall?
    private var awaitingBody: Bool
    private var closing = false
    private var lastHeard = NIODeadline.now()
    private var keepalive: RepeatedTask?
    private var queuedMessages = 0
    private var paused = false
    private var slowSince: NIODeadline?

    init(gateway: GatewayContext, accepted: WebSocketHandshake.Accepted, head: HTTPRequestHead) {
        self.gateway = gateway
        self.snapshot = gateway.snapshot
        self.accepted = accepted
        self.head = head
        self.options = gateway.webSocketOptions
        transcoding = snapshot.options(for: accepted.route.method.fullName)
        var unindented = transcoding
        unindented.output.indent = 0
        frameTranscoding = unindented
        self.assembler = WebSocketMessageAssembler(maxMessageBytes: gateway.webSocketOptions.maxMessageBytes, deflate: accepted.deflate)
        let method = accepted.route.method
        // A server-streaming route with a body takes that body as the first frame.
        if case .none = accepted.route.body { awaitingBody = false } else { awaitingBody = !method.clientStreaming }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        gateway.webSockets.register(self, on: context.eventLoop)
        let interval = TimeAmount.configured(options.pingIntervalSeconds)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepalive = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in bound.value.tick() }
        if !awaitingBody { start(firstMessage: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cleanUp()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cleanUp()
        context.fireChannelInactive()
    }

    private func cleanUp() {
        keepalive?.cancel()
        keepalive = nil
        call?.cancel(RPCStatus(.cancelled, "the WebSocket client went away"))
        call = nil
        gateway.webSockets.unregister(self)
    }

    // MARK: Client frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        switch frame.opcode {
        case .ping:
            send(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
        case .pong:
            break
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1000
            close(code: code == 1005 || code == 1006 || code == 1015 ? 1000 : code, reason: "",
                  cancelling: RPCStatus(.cancelled, "the WebSocket client closed"))
        case .text, .binary, .continuation:
            do {
                if let message = try assembler.push(frame) { received(message) }
            } catch {
                close(code: error.closeCode, reason: error.reason)
            }
        default:
            close(code: 1002, reason: "unknown opcode")
        }
    }

    private func received(_ message: WebSocketMessageAssembler.Message) {
        guard !closing else { return }
        if !message.isText && !accepted.binaryMessages {
            return close(code: 1003, reason: "binary frames need the \(WebSocketHandshake.binaryProtocol) sub-protocol")
        }
        if awaitingBody {
            awaitingBody = false
            return start(firstMessage: message)
        }
        guard accepted.route.method.clientStreaming, let call else {
            return fail(RPCStatus(.invalidArgument, "this call takes no more request messages"))
        }
        if message.isText && message.bytes.isEmpty { return call.closeSending() }
        do {
            call.send(try requestMessage(message))
        } catch {
            fail(error)
        }
    }

    private func requestMessage(_ message: WebSocketMessageAssembler.Message) throws(RPCStatus) -> [UInt8] {
        guard message.isText else {
            do {
                try snapshot.codec.validate(message.bytes, messageIndex: accepted.route.method.inputIndex, maxDepth: transcoding.input.maxDepth)
            } catch {
                throw RPCStatus(.invalidArgument, "invalid protobuf message: \(error)")
            }
            return message.bytes
        }
        do {
            return try snapshot.codec.binary(fromJSON: message.bytes, messageIndex: accepted.route.method.inputIndex, options: transcoding.input)
        } catch {
            throw RPCStatus(.invalidArgument, error.description)
        }
    }

    // MARK: The call

    private func start(firstMessage: WebSocketMessageAssembler.Message?) {
        guard let context else { return }
        let route = accepted.route
        var messages: [[UInt8]] = []
        do {
            if !route.method.clientStreaming || firstMessage != nil || !route.pathBindings.isEmpty || accepted.query != nil {
                var input = RequestBuilder.Input(pathValues: accepted.pathValues, query: accepted.query, body: [], contentType: "application/json")
                if let firstMessage, firstMessage.isText { input.body = firstMessage.bytes }
                var message = try snapshot.requests.build(route, input, options: transcoding)
                if let firstMessage, !firstMessage.isText { message = firstMessage.bytes + message }
                if !route.method.clientStreaming || !message.isEmpty { messages.append(message) }
            }
        } catch {
            return fail(error)
        }
        let service = route.method.serviceName
        let metadata = gateway.metadata.requestMetadata(
            head.headers, clientAddress: context.channel.remoteAddress?.ipAddress, bearerToken: accepted.bearerToken)
        let timeout = gateway.upstream.timeout(for: service, streaming: true, requested: accepted.requestedTimeout)
        let request = CallRequest(
            service: service, path: route.method.path, metadata: metadata, messages: messages,
            closeSending: !route.method.clientStreaming, timeout: timeout)
        call = gateway.upstream.startCall(request, on: context.eventLoop, observer: self)
        if call == nil { fail(RPCStatus(.unavailable, "no upstream is configured for \(service)")) }
    }

    func upstreamReceived(headers: HPACKHeaders) {}

    func upstreamReceived(message: [UInt8]) {
        guard let context, !closing else { return }
        let payload: [UInt8]
        if accepted.binaryMessages {
            payload = message
        } else {
            do {
                payload = try snapshot.responses.render(message, route: accepted.route, options: frameTranscoding).body
            } catch {
                call?.cancel(error)
                return
            }
        }
        queuedMessages += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { _ in bound.value.written() }
        send(frame(accepted.binaryMessages ? .binary : .text, payload), promise: promise)
        updateBackpressure()
    }

    func upstreamFinished(status: RPCStatus, trailers: HPACKHeaders) {
        call = nil
        guard !closing else { return }
        if status.code == .ok { close(code: 1000, reason: "") } else { fail(status) }
    }

    /// Sends `{"error": status}` and closes with 4000 + the code.
    private func fail(_ status: RPCStatus) {
        guard !closing else { return }
        let body = Array("{\"error\":".utf8) + snapshot.errors.render(status) + Array("}".utf8)
        send(frame(.text, body))
        close(code: UInt16(4000 + max(0, min(status.code.rawValue, 999))), reason: status.message, cancelling: status)
    }

    // MARK: Backpressure, keepalive, closing

    private func written() {
        queuedMessages -= 1
        updateBackpressure()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateBackpressure()
        context.fireChannelWritabilityChanged()
    }

    /// Stops reading from the backend while the client's buffer is full (by bytes, through the
    /// channel's write watermarks, or by message count), and resumes when it drains.
    private func updateBackpressure() {
        guard let context else { return }
        let full = !context.channel.isWritable || queuedMessages >= options.bufferMessages
        if full, !paused {
            paused = true
            let since = NIODeadline.now()
            slowSince = since
            call?.pauseReading()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .configured(options.slowClientSeconds)) {
                let bridge = bound.value
                if bridge.paused, bridge.slowSince == since {
                    bridge.close(code: 1008, reason: "the client does not keep up", cancelling: RPCStatus(.cancelled, "the client does not keep up"))
                }
            }
        } else if !full, paused, queuedMessages <= options.bufferMessages / 2 {
            paused = false
            slowSince = nil
            call?.resumeReading()
        }
    }

    private func tick() {
        guard context != nil, !closing else { return }
        let now = NIODeadline.now()
        if now - lastHeard > .configured(options.idleTimeoutSeconds) {
            return close(code: 1001, reason: "idle", cancelling: RPCStatus(.cancelled, "the WebSocket client was idle"))
        }
        send(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer()))
    }

    /// Closes with 1001 when the gateway shuts down.
    func goingAway() {
        close(code: 1001, reason: "the gateway is shutting down", cancelling: RPCStatus(.unavailable, "the gateway is shutting down"))
    }

    /// Sends a close frame and closes the connection once it is written, or after a second
    /// when the client does not take it. A call still running is cancelled with `status`
    /// (after `closing` is set, so that its end adds no frames).
    private func close(code: UInt16, reason: String, cancelling status: RPCStatus? = nil) {
        guard let context, !closing else { return }
        closing = true
        if let status, let call {
            self.call = nil
            call.cancel(status)
        }
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeBytes(reason.utf8.prefix(123))
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))).whenComplete { _ in
            channel.close(promise: nil)
        }
        context.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }

    private func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8]) -> WebSocketFrame {
        let allocator = context?.channel.allocator ?? ByteBufferAllocator()
        if accepted.deflate, payload.count > 64, let compressed = PerMessageDeflate.compress(payload) {
            return WebSocketFrame(fin: true, rsv1: true, opcode: opcode, data: allocator.buffer(bytes: compressed))
        }
        return WebSocketFrame(fin: true, opcode: opcode, data: allocator.buffer(bytes: payload))
    }

    private func send(_ frame: WebSocketFrame, promise: EventLoopPromise<Void>? = nil) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.writeAndFlush(wrapOutboundOut(frame), promise: promise)
    }
}
