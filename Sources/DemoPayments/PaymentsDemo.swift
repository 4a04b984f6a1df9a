import HTTPRules
import LoopbackGRPC
import NIOCore
import ProtoJSON
import ProtoSchema

/// The pieces of `darwaza demo`: the payments descriptors embedded in the binary, and the
/// payments backend served over gRPC on loopback.
public enum PaymentsDemo {
    /// The embedded `payments.v1` descriptor set.
    public static let descriptorSet: (source: String, bytes: [UInt8]) = (
        "built-in payments demo descriptors",
        Base64.decode(PaymentsDescriptorData.base64.filter { !$0.isNewline }) ?? []
    )

    /// The payments types with the built-in google.api and google.rpc ones.
    public static func makePool() throws -> DescriptorPool {
        try DescriptorPool(descriptorSets: [descriptorSet], fallbackSets: [BuiltinDescriptors.set])
    }

    /// Starts the payments backend on `host:port` (0 for a free port).
    public static func startBackend(host: String, port: Int, group: EventLoopGroup) async throws -> Channel {
        let backend = PaymentsBackend(pool: try makePool())
        return try await GRPCServer.bind(host: host, port: port, group: group) {
            { path, requests, _, writer in backend.handle(path: path, requests: requests, writer: writer) }
        }
    }
}
