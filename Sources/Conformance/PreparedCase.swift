import Gateway
import ProtoJSON
import Transcoding

/// A case checked against its descriptors, with its messages in wire form: expected requests
/// in canonical JSON, the canned reply in binary.
public struct PreparedCase: Sendable {
    /// The case as its file states it.
    public let spec: ConformanceCase
    let codec: ProtoJSONCodec
    /// The backend method's gRPC path and request type; nil when no call may happen.
    let expectedPath: String?
    let inputIndex: Int?
    let expectedRequests: [JSONValue]?
    let reply: CannedReply

    /// Checks `spec` against the snapshot of its descriptors and rules (shared between cases
    /// through `snapshots`); anything that does not fit is an error of the case file.
    init(_ spec: ConformanceCase, snapshots: inout [String: GatewaySnapshot]) throws(CaseFileError) {
        self.spec = spec
        let key = (spec.configuration.descriptorSets + ["|"] + spec.configuration.httpRules).joined(separator: "\n")
        let snapshot: GatewaySnapshot
        if let cached = snapshots[key] {
            snapshot = cached
        } else {
            do {
                snapshot = try GatewaySnapshot(configuration: spec.configuration)
            } catch {
                throw CaseFileError(file: spec.file, caseName: spec.name, field: nil, error.description)
            }
            snapshots[key] = snapshot
        }
        codec = snapshot.codec
        guard let backend = spec.backend else {
            (expectedPath, inputIndex, expectedRequests, reply) = (nil, nil, nil, CannedReply())
            return
        }
        func fail(_ field: String, _ message: String) -> CaseFileError {
            CaseFileError(file: spec.file, caseName: spec.name, field: field, message)
        }
        guard let method = snapshot.pool.method(named: backend.method) else {
            throw fail("backend.method", "no method \(backend.method) in the descriptor sets")
        }
        expectedPath = "/\(method.serviceName)/\(method.name)"
        inputIndex = method.inputIndex
        var requests: [JSONValue]?
        if let expected = backend.requests {
            requests = []
            for (index, message) in expected.enumerated() {
                let field = expected.count == 1 ? "backend.request" : "backend.requests[\(index)]"
                let binary = try Self.binary(message, method.inputIndex, codec) { fail(field, $0) }
                guard let canonical = try? codec.json(fromBinary: binary, messageIndex: method.inputIndex), let value = JSONValue(parsing: canonical) else {
                    throw fail(field, "the message does not round-trip")
                }
                requests?.append(value)
            }
        }
        expectedRequests = requests
        var reply = CannedReply(headers: backend.reply.headers.map { ($0.name, $0.value) }, trailers: backend.reply.trailers.map { ($0.name, $0.value) })
        reply.delayMilliseconds = backend.reply.delayMilliseconds
        for (index, message) in backend.reply.messages.enumerated() {
            reply.messages.append(try Self.binary(message, method.outputIndex, codec) { fail("backend.reply.messages[\(index)]", $0) })
        }
        reply.messages += backend.reply.rawMessages
        var status = RPCStatus(RPCStatus.Code(rawValue: backend.reply.code), backend.reply.message)
        if !backend.reply.details.isEmpty {
            guard let statusIndex = snapshot.pool.messageIndex(named: "google.rpc.Status") else {
                throw fail("backend.reply.status.details", "google.rpc.Status is in no descriptor set")
            }
            let message = JSONValue.object(["code": .number(String(backend.reply.code)), "message": .string(backend.reply.message), "details": .array(backend.reply.details)])
            status.detailsBinary = try Self.binary(message, statusIndex, codec) { fail("backend.reply.status.details", $0) }
        }
        reply.status = status
        self.reply = reply
    }

    private static func binary(_ message: JSONValue, _ index: Int, _ codec: ProtoJSONCodec, _ fail: (String) -> CaseFileError) throws(CaseFileError) -> [UInt8] {
        do {
            return try codec.binary(fromJSON: Array(message.text.utf8), messageIndex: index)
        } catch {
            throw fail("not a valid \(codec.pool.messages[index].fullName): \(error)")
        }
    }
}
