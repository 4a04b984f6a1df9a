import NIOCore

/// A client connection to the gateway under test: raw bytes out, bytes in, with a deadline
/// after which the connection is closed and every read fails.
struct LoopbackClient {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let deadline: LoopbackDeadline
    /// Everything received and not yet consumed.
    var buffer: [UInt8] = []
    /// Whether the gateway closed the connection.
    private(set) var ended = false

    /// Connects to `port` on loopback and runs `body` with the connection, which is closed
    /// after `timeout` seconds.
    static func withConnection<Result: Sendable>(
        port: Int, timeout: Double, group: EventLoopGroup, _ body: (inout LoopbackClient) async throws -> Result
    ) async throws -> Result {
        try await LoopbackDeadline.withConnection(
            port: port, timeout: timeout, group: group,
            configure: { channel in try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        ) { deadline, inbound, outbound in
            var client = LoopbackClient(inbound: inbound.makeAsyncIterator(), outbound: outbound, deadline: deadline)
            return try await body(&client)
        }
    }

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        deadline: LoopbackDeadline
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.deadline = deadline
    }

    /// Sends bytes.
    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Waits for more bytes; false once the gateway has closed the connection. Throws when
    /// the deadline has passed.
    mutating func receive() async throws(CaseFailure) -> Bool {
        if !ended {
            do {
                if let chunk = try await inbound.next() {
                    buffer += chunk.readableBytesView
                    return true
                }
            } catch {}
            ended = true
        }
        if deadline.hasPassed { throw deadline.failure }
        return false
    }

    /// Reads one HTTP response.
    mutating func readAnswer(bodyless: Bool) async throws(CaseFailure) -> HTTPAnswer {
        while true {
            if let (answer, consumed) = try HTTPAnswer.parse(buffer, ended: ended, bodyless: bodyless) {
                buffer.removeFirst(consumed)
                return answer
            }
            guard try await receive() else {
                throw CaseFailure(buffer.isEmpty ? "the connection closed with no response" : "the connection closed in the middle of a response")
            }
        }
    }

    /// Reads until the gateway closes the connection; what arrives is left in `buffer`.
    mutating func readToEnd() async throws(CaseFailure) {
        while try await receive() {}
    }
}
