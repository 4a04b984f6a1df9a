import LoopbackGRPC
import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import Transcoding

/// A canned backend answer in wire form.
struct CannedReply: Sendable {
    var headers: [(String, String)] = []
    var messages: [[UInt8]] = []
    var status = RPCStatus(.ok, "")
    var trailers: [(String, String)] = []
    var delayMilliseconds = 0
}

/// One call the fake backend received: opened when its headers arrived, completed when the
/// gateway half-closed it (with every request message).
struct RecordedCall: Sendable {
    var path: String
    var metadata: HPACKHeaders
    var requests: [[UInt8]] = []
    var completed = false
}

/// An in-process gRPC server on a loopback port that records every call and answers each
/// with the same canned reply.
final class FakeBackend: Sendable {
    let port: Int
    private let channel: Channel
    private let state: NIOLockedValueBox<State>

    /// What the backend has seen, and what `stop` must close.
    private struct State {
        var calls: [RecordedCall] = []
        var connections: [Channel] = []
        var delayedAnswers: [Scheduled<Void>] = []
    }

    private init(channel: Channel, state: NIOLockedValueBox<State>) throws {
        guard let port = channel.localAddress?.port else { throw CaseFailure("the fake backend has no port") }
        self.port = port
        self.channel = channel
        self.state = state
    }

    /// Starts a backend answering every call with `reply`.
    static func start(reply: CannedReply, group: EventLoopGroup) async throws -> FakeBackend {
        let state = NIOLockedValueBox(State())
        let channel = try await GRPCServer.bind(
            host: "127.0.0.1", port: 0, group: group,
            accepted: { connection in state.withLockedValue { $0.connections.append(connection) } },
            opened: { path, metadata in state.withLockedValue { $0.calls.append(RecordedCall(path: path, metadata: metadata)) } }
        ) {
            { path, requests, _, writer in
                state.withLockedValue { state in
                    guard let index = state.calls.firstIndex(where: { $0.path == path && !$0.completed }) else { return }
                    state.calls[index].requests = requests
                    state.calls[index].completed = true
                }
                guard reply.delayMilliseconds > 0 else { return answer(writer, reply) }
                let bound = NIOLoopBound(writer, eventLoop: writer.eventLoop)
                let scheduled = writer.eventLoop.scheduleTask(in: .milliseconds(Int64(reply.delayMilliseconds))) { answer(bound.value, reply) }
                state.withLockedValue { $0.delayedAnswers.append(scheduled) }
            }
        }
        return try FakeBackend(channel: channel, state: state)
    }

    private static func answer(_ writer: GRPCResponseWriter, _ reply: CannedReply) {
        writer.initialMetadata = reply.headers
        for message in reply.messages { writer.send(message) }
        writer.finish(reply.status, trailers: reply.trailers)
    }

    /// The calls received so far, completed or not.
    var calls: [RecordedCall] { state.withLockedValue { $0.calls } }

    /// Stops listening, cancels delayed answers and closes every connection.
    func stop() async {
        try? await channel.close()
        let (connections, delayed) = state.withLockedValue { ($0.connections, $0.delayedAnswers) }
        for scheduled in delayed { scheduled.cancel() }
        for connection in connections { try? await connection.close() }
    }
}
