import Gateway
import ProtoJSON
import Transcoding

/// A case checked against its descriptors, with its messages in wire form: expected requests
/// in canonical JSON, the canned reply in binary.
public struct PreparedCase: Sendable {
    /// The case as its file states it.
    public let spec: ConformanceCase
    /// The descriptors, routes and options the case's gateway runs with.
    let snapshot: GatewaySnapshot
    let codec: ProtoJSONCodec
    /// The backend method's gRPC path and request type; nil when no call may happen.
    let expectedPath: String?
    let inputIndex: Int?
    let expectedRequests: [JSONValue]?
    let reply: CannedReply

    /// Checks `spec` against the snapshot of its configuration (shared by the cases with the
    /// same configuration through `snapshots`); anything that does not fit is an error of the
    /// case file.
    init(_ spec: ConformanceCase, snapshots: inout [(GatewayConfiguration, GatewaySnapshot)]) throws(CaseFileError) {
        self.spec = spec
        if let cached = snapshots.first(where: { $0.0 == spec.configuration }) {
            snapshot = cached.1
        } else {
            do {
                snapshot = try GatewaySnapshot(configuration: spec.configuration)
            } catch {
                throw CaseFileError(file: spec.file, caseName: spec.name, field: nil, error.description)
            }
            snapshots.append((spec.configuration, snapshot))
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
            status.detailsBinary = try Self.statusBinary(backend.reply, codec) { fail("backend.reply.status.details\($0)", $1) }
        }
        reply.status = status
        self.reply = reply
    }

    /// The `google.rpc.Status` of a reply in binary. Each detail is an `Any` in JSON; one whose
    /// type is in no descriptor set is written as `{"@type": ..., "value": <base64>}` and sent
    /// as those bytes, as a backend with types of its own would send it.
    private static func statusBinary(
        _ reply: ConformanceCase.Reply, _ codec: ProtoJSONCodec, _ fail: (String, String) -> CaseFileError
    ) throws(CaseFileError) -> [UInt8] {
        guard let anyIndex = codec.pool.messageIndex(named: "google.protobuf.Any") else {
            throw fail("", "google.protobuf.Any is in no descriptor set")
        }
        var status: [UInt8] = []
        if reply.code != 0 { Wire.appendField(number: 1, varint: UInt64(bitPattern: Int64(reply.code)), to: &status) }
        if !reply.message.isEmpty { Wire.appendField(number: 2, bytes: Array(reply.message.utf8), to: &status) }
        for (index, detail) in reply.details.enumerated() {
            guard case .object(let members) = detail, case .string(let typeURL)? = members["@type"] else {
                throw fail("[\(index)]", "a detail is an object with \"@type\"")
            }
            let typeName = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
            var any: [UInt8]
            if codec.pool.message(named: typeName) != nil {
                any = try binary(detail, anyIndex, codec) { fail("[\(index)]", $0) }
            } else {
                guard members.count == 2, case .string(let base64)? = members["value"], let value = Base64.decode(base64) else {
                    throw fail("[\(index)]", "\(typeName) is in no descriptor set: give its bytes as {\"@type\", \"value\": base64}")
                }
                any = []
                Wire.appendField(number: 1, bytes: Array(typeURL.utf8), to: &any)
                Wire.appendField(number: 2, bytes: value, to: &any)
            }
            Wire.appendField(number: 3, bytes: any, to: &status)
        }
        return status
    }

    private static func binary(_ message: JSONValue, _ index: Int, _ codec: ProtoJSONCodec, _ fail: (String) -> CaseFileError) throws(CaseFileError) -> [UInt8] {
        do {
            return try codec.binary(fromJSON: Array(message.text.utf8), messageIndex: index)
        } catch {
            throw fail("not a valid \(codec.pool.messages[index].fullName): \(error)")
        }
    }
}
