import NIOCore
import NIOHPACK
import Transcoding

/// A handle on one backend call, used on its event loop: send more messages, half-close,
/// or cancel. It enforces the call's deadline and retries a call whose connection could not be
/// made on the service's other endpoints.
public final class UpstreamCall: UpstreamCallObserver {
    private let request: CallRequest
    private let cluster: UpstreamCluster
    private let eventLoop: EventLoop
    private let maxMessageSize: Int
    private var observer: UpstreamCallObserver?
    private var handler: UpstreamCallHandler?
    private var deadline: Scheduled<Void>?
    private var sent: [[UInt8]] = []
    private var sendingClosed: Bool
    private var attempts = 0

    init(request: CallRequest, cluster: UpstreamCluster, eventLoop: EventLoop, maxMessageSize: Int, observer: UpstreamCallObserver) {
        self.request = request
        self.cluster = cluster
        self.eventLoop = eventLoop
        self.maxMessageSize = maxMessageSize
        self.observer = observer
        self.sent = request.messages
        self.sendingClosed = request.closeSending
    }

    func start() {
        if let timeout = request.timeout {
            let this = NIOLoopBound(self, eventLoop: eventLoop)
            deadline = eventLoop.scheduleTask(in: timeout) {
                this.value.cancel(RPCStatus(.deadlineExceeded, "the backend did not answer within \(Self.describe(timeout))"))
            }
        }
        attempt()
    }

    /// Tries the next endpoint in rotation; connect failures move on until each was tried once.
    private func attempt() {
        guard observer != nil else { return }
        guard let connection = cluster.next() else {
            return upstreamFinished(status: RPCStatus(.unavailable, "no endpoint of \(request.service) is available"), trailers: [:])
        }
        attempts += 1
        let handler = UpstreamCallHandler(
            requestHeaders: headers(for: connection.endpoint), messages: sent, closeSending: sendingClosed,
            maxMessageSize: maxMessageSize, observer: self)
        self.handler = handler
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        connection.open(handler) { status in
            let call = this.value
            guard call.handler === handler, call.observer != nil else { return }
            if call.attempts < call.cluster.count { call.attempt() } else { call.upstreamFinished(status: status, trailers: [:]) }
        }
    }

    private func headers(for endpoint: UpstreamEndpoint) -> HPACKHeaders {
        var headers: HPACKHeaders = [
            ":method": "POST", ":scheme": endpoint.scheme, ":path": request.path, ":authority": endpoint.authority,
            "content-type": "application/grpc", "te": "trailers", "user-agent": "darwaza",
        ]
        if let timeout = request.timeout { headers.add(name: "grpc-timeout", value: Self.grpcTimeout(timeout)) }
        headers.add(contentsOf: request.metadata)
        return headers
    }

    /// Sends one more request message.
    public func send(_ message: [UInt8]) {
        sent.append(message)
        handler?.send(message)
    }

    /// Half-closes the request stream.
    public func closeSending() {
        sendingClosed = true
        handler?.closeSending()
    }

    /// Stops reading response messages from the backend (HTTP/2 flow control then holds it back).
    public func pauseReading() { handler?.setReading(false) }

    /// Reads response messages again.
    public func resumeReading() { handler?.setReading(true) }

    /// Ends the call now with `status` (CANCELLED when the client went away).
    public func cancel(_ status: RPCStatus = RPCStatus(.cancelled, "the client cancelled the call")) {
        guard observer != nil else { return }
        if let handler { handler.cancel(status) } else { upstreamFinished(status: status, trailers: [:]) }
    }

    public func upstreamReceived(headers: HPACKHeaders) { observer?.upstreamReceived(headers: headers) }

    public func upstreamReceived(message: [UInt8]) {
        sent.removeAll()  // a response means the request reached the backend: no more retries
        observer?.upstreamReceived(message: message)
    }

    public func upstreamFinished(status: RPCStatus, trailers: HPACKHeaders) {
        deadline?.cancel()
        deadline = nil
        let observer = self.observer
        self.observer = nil
        observer?.upstreamFinished(status: status, trailers: trailers)
    }

    /// A `grpc-timeout` value: at most eight digits and a unit.
    static func grpcTimeout(_ timeout: TimeAmount) -> String {
        let milliseconds = max(1, timeout.nanoseconds / 1_000_000)
        return milliseconds < 100_000_000 ? "\(milliseconds)m" : "\(min(99_999_999, milliseconds / 1000))S"
    }

    private static func describe(_ timeout: TimeAmount) -> String {
        let milliseconds = timeout.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// What to call: the service, the `/package.Service/Method` path, metadata to send, the first
/// messages, whether the request side is already complete, and the deadline.
public struct CallRequest: Sendable {
    public var service: String
    public var path: String
    public var metadata: HPACKHeaders
    public var messages: [[UInt8]]
    public var closeSending: Bool
    public var timeout: TimeAmount?

    public init(service: String, path: String, metadata: HPACKHeaders, messages: [[UInt8]], closeSending: Bool, timeout: TimeAmount?) {
        self.service = service
        self.path = path
        self.metadata = metadata
        self.messages = messages
        self.closeSending = closeSending
        self.timeout = timeout
    }
}
