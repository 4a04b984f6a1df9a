import HTTPRules
import NIOHPACK
import ProtoJSON
import Transcoding

/// Reading a gRPC status from trailers, and mapping HTTP-level failures to gRPC codes.
enum GRPCStatusHeaders {
    /// The status carried by `grpc-status`, `grpc-message` and `grpc-status-details-bin`.
    static func status(from trailers: HPACKHeaders) -> RPCStatus {
        guard let codeText = trailers.first(name: "grpc-status"), let code = Int(codeText) else {
            return RPCStatus(.unknown, "the backend ended the call without a grpc-status")
        }
        let message = trailers.first(name: "grpc-message").map { PercentDecoding.decodeLeniently($0) } ?? ""
        let details = trailers.first(name: "grpc-status-details-bin").flatMap { Base64.decode($0) }
        return RPCStatus(RPCStatus.Code(rawValue: code), message, detailsBinary: details)
    }

    /// The gRPC code for a response whose HTTP status is not 200, as the gRPC spec maps it.
    static func status(forHTTPStatus status: Int) -> RPCStatus {
        let code: RPCStatus.Code
        switch status {
        case 400: code = .internal
        case 401: code = .unauthenticated
        case 403: code = .permissionDenied
        case 404: code = .unimplemented
        case 429, 502, 503, 504: code = .unavailable
        default: code = .unknown
        }
        return RPCStatus(code, "the backend answered HTTP \(status)")
    }
}
