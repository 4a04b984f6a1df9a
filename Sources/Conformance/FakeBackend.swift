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

/// One call the fake backend received.
struct RecordedCall: Sendable {
    var path: String
    var requests: [[UInt8]]
    var metadata: HPACKHeaders
}

/// An in-process gRPC server on a loopback port that records every call and answers each
/// with the same canned reply.
final class FakeBackend: Sendable {
    let port: Int
    private let channel: Channel
    private let recorded: NIOLockedValueBox<[RecordedCall]>

    private init(channel: Channel, recorded: NIOLockedValueBox<[RecordedCall]>) throws {
        guard let port = channel.localAddress?.port else { throw CaseFailure("the fake backend has no port") }
        self.port = port
        self.channel = channel
        self.recorded = recorded
    }

    /// Starts a backend answering every call with `reply`.
    static func start(reply: CannedReply, group: EventLoopGroup) async throws -> FakeBackend {
        let recorded = NIOLockedValueBox<[RecordedCall]>([])
        let channel = try await GRPCServer.bind(host: "127.0.0.1", port: 0, group: group) {
            { path, requests, metadata, writer in
                recorded.withLockedValue { $0.append(RecordedCall(path: path, requests: requests, metadata: metadata)) }
                if reply.delayMilliseconds > 0 {
                    let bound = NIOLoopBound(writer, eventLoop: writer.eventLoop)
                    writer.eventLoop.scheduleTask(in: .milliseconds(Int64(reply.delayMilliseconds))) { answer(bound.value, reply) }
                } else {
                    answer(writer, reply)
                }
            }
        }
        return try FakeBackend(channel: channel, recorded: recorded)
    }

    private static func answer(_ writer: GRPCResponseWriter, _ reply: CannedReply) {
        writer.initialMetadata = reply.headers
        for message in reply.messages { writer.send(message) }
        writer.finish(reply.status, trailers: reply.trailers)
    }

    /// The calls received so far.
    var calls: [RecordedCall] { recorded.withLockedValue { $0 } }

    /// Stops listening and closes every connection.
    func stop() async {
        try? await channel.close()
    }
}

/// A case that could not be run to the end, with the reason.
struct CaseFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
