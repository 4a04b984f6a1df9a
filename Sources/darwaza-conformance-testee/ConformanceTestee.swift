import ProtoJSON
import ProtoSchema

/// Answers one conformance request with the dynamic codec. The protocol's field numbers are
/// looked up by name in the pool, so the testee follows whatever `conformance.proto` it is given.
struct ConformanceTestee {
    private let codec: ProtoJSONCodec
    private let request: MessageDescriptor
    private let response: MessageDescriptor

    init(pool: DescriptorPool) throws(SchemaError) {
        guard let request = pool.message(named: "conformance.ConformanceRequest"),
            let response = pool.message(named: "conformance.ConformanceResponse")
        else { throw SchemaError("the descriptor set lacks conformance.ConformanceRequest or ConformanceResponse") }
        self.codec = ProtoJSONCodec(pool: pool)
        self.request = request
        self.response = response
    }

    /// The serialized `ConformanceResponse` to a serialized `ConformanceRequest`.
    func respond(to requestBytes: [UInt8]) -> [UInt8] {
        let (field, payload) = answer(requestBytes)
        var out: [UInt8] = []
        Wire.appendField(number: response.field(named: field)?.number ?? 2, bytes: payload, to: &out)
        return out
    }

    private func number(_ name: String) -> UInt32 { request.field(named: name)?.number ?? 0 }

    /// The result field's name and its payload.
    private func answer(_ requestBytes: [UInt8]) -> (String, [UInt8]) {
        let fields: [Wire.Field]
        do {
            fields = try Wire.fields(of: requestBytes)
        } catch {
            return ("runtime_error", Array("unreadable request: \(error)".utf8))
        }
        func last(_ name: String) -> Wire.Field? { fields.last { $0.number == number(name) } }
        func bytes(_ field: Wire.Field) -> [UInt8] { Array(requestBytes[field.payload]) }
        let messageType = last("message_type").map { String(decoding: bytes($0), as: UTF8.self) } ?? ""
        let outputFormat = last("requested_output_format")?.bits ?? 0
        let category = last("test_category")?.bits ?? 0
        if messageType == "conformance.FailureSet" { return ("protobuf_payload", []) }
        guard let messageIndex = codec.pool.messageIndex(named: messageType) else {
            return ("runtime_error", Array("unknown message type \(messageType)".utf8))
        }
        guard outputFormat == 1 || outputFormat == 2 else { return ("skipped", Array("only protobuf and JSON output".utf8)) }
        let binary: [UInt8]
        let payload = fields.last { [number("protobuf_payload"), number("json_payload"), number("jspb_payload"), number("text_payload")].contains($0.number) }
        switch payload?.number {
        case number("protobuf_payload"):
            binary = bytes(payload!)
            do { try codec.validate(binary, messageIndex: messageIndex) } catch {
                return ("parse_error", Array(error.description.utf8))
            }
        case number("json_payload"):
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = category == 3
            do { binary = try codec.binary(fromJSON: bytes(payload!), messageIndex: messageIndex, options: options) } catch {
                return ("parse_error", Array(error.description.utf8))
            }
        default:
            return ("skipped", Array("only protobuf and JSON input".utf8))
        }
        if outputFormat == 1 { return ("protobuf_payload", binary) }
        do {
            return ("json_payload", try codec.json(fromBinary: binary, messageIndex: messageIndex))
        } catch {
            return ("serialize_error", Array(error.description.utf8))
        }
    }
}
