import DemoPayments
import HTTPRules
import LoopbackGRPC
import NIOCore
import NIOPosix
import ProtoJSON
import ProtoSchema
import Transcoding

#if canImport(Glibc)
import Glibc
#endif

/// A gRPC backend for gateway benchmarks that costs next to nothing per call: every method
/// answers one canned `payments.v1.Payment`, so that the gateway's own cost can be measured.
enum BenchBackend {
    static func run(port: Int) async throws {
        let pool = try PaymentsDemo.makePool()
        guard let index = pool.messageIndex(named: "payments.v1.Payment") else { exit(2) }
        let payment = try ProtoJSONCodec(pool: pool).binary(fromJSON: PaymentCorpus.json(lineItems: 1), messageIndex: index)
        let channel = try await GRPCServer.bind(host: "127.0.0.1", port: port, group: MultiThreadedEventLoopGroup.singleton) {
            { _, _, _, writer in
                writer.send(payment)
                writer.finish(RPCStatus(.ok, ""))
            }
        }
        let line = Array("listening http://127.0.0.1:\(channel.localAddress?.port ?? 0)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }  // unbuffered: scripts wait for it
        try await channel.closeFuture.get()
    }
}
