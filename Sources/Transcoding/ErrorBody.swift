import ProtoJSON
import ProtoSchema

/// Renders a status as the JSON error body, in the `google.rpc.Status` shape:
/// `{"code": 5, "message": "...", "details": [{"@type": "...", ...}]}`.
public struct ErrorBody: Sendable {
    private let codec: ProtoJSONCodec
    private let anyIndex: Int?

    /// A renderer resolving detail types through `codec`'s pool.
    public init(codec: ProtoJSONCodec) {
        self.codec = codec
        self.anyIndex = codec.pool.messageIndex(named: "google.protobuf.Any")
    }

    /// The JSON bytes of the error body.
    public func render(_ status: RPCStatus) -> [UInt8] {
        var out: [UInt8] = Array("{\"code\":\(status.code.rawValue),\"message\":".utf8)
        out.append(contentsOf: Self.jsonString(status.message))
        let details = status.detailsBinary.map(renderDetails) ?? []
        if !details.isEmpty {
            out.append(contentsOf: ",\"details\":[".utf8)
            for (index, detail) in details.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: detail)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Each `Any` of the status's `details` (field 3): as JSON with `@type` when its type is in
    /// the pool, else `@type` and the packed bytes as base64 `value`.
    private func renderDetails(_ statusBinary: [UInt8]) -> [[UInt8]] {
        guard let fields = try? Wire.fields(of: statusBinary) else { return [] }
        return fields.filter { $0.number == 3 && $0.wireType == .lengthDelimited }.map { field in
            let anyBytes = Array(statusBinary[field.payload])
            if let anyIndex, let json = try? codec.json(fromBinary: anyBytes, messageIndex: anyIndex) { return json }
            let parts = (try? Wire.fields(of: anyBytes)) ?? []
            let typeURL = parts.last { $0.number == 1 }.map { String(decoding: anyBytes[$0.payload], as: UTF8.self) } ?? ""
            let value = parts.filter { $0.number == 2 }.flatMap { anyBytes[$0.payload] }
            return Array("{\"@type\":".utf8) + Self.jsonString(typeURL) + Array(",\"value\":\"\(Base64.encode(value))\"}".utf8)
        }
    }

    /// The bytes of a JSON string literal holding `text`.
    public static func jsonString(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(contentsOf: String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}
