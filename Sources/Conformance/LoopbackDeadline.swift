import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client connection to the gateway on loopback, closed when its deadline passes; whether
/// it was the deadline that closed it can be asked afterwards.
struct LoopbackDeadline: Sendable {
    private let passed = NIOLockedValueBox(false)
    /// The seconds the exchange may take.
    let timeout: Double

    /// Whether the deadline closed the connection.
    var hasPassed: Bool { passed.withLockedValue { $0 } }

    /// The error of an exchange the deadline cut short.
    var failure: CaseFailure { CaseFailure("no complete answer within \(timeout) s") }

    /// Connects to `port` with `configure` setting up the pipeline, runs `body` with the
    /// connection, and closes it after `timeout` seconds if it is still open.
    static func withConnection<Inbound: Sendable, Outbound: Sendable, Result: Sendable>(
        port: Int, timeout: Double, group: EventLoopGroup,
        configure: @escaping @Sendable (Channel) throws -> NIOAsyncChannel<Inbound, Outbound>,
        _ body: (LoopbackDeadline, NIOAsyncChannelInboundStream<Inbound>, NIOAsyncChannelOutboundWriter<Outbound>) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try configure(channel) }
            }
        let deadline = LoopbackDeadline(timeout: timeout)
        let scheduled = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
            deadline.passed.withLockedValue { $0 = true }
            channel.channel.close(promise: nil)
        }
        defer { scheduled.cancel() }
        return try await channel.executeThenClose { inbound, outbound in try await body(deadline, inbound, outbound) }
    }
}
