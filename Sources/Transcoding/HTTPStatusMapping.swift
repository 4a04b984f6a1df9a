/// The standard gRPC-to-HTTP status mapping, the only one in the gateway.
public enum HTTPStatusMapping {
    /// The HTTP status for a gRPC code.
    public static func httpStatus(for code: RPCStatus.Code) -> Int {
        switch code {
        case .ok: 200
        case .cancelled: 499
        case .invalidArgument, .failedPrecondition, .outOfRange: 400
        case .deadlineExceeded: 504
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .permissionDenied: 403
        case .resourceExhausted: 429
        case .unimplemented: 501
        case .unavailable: 503
        case .unauthenticated: 401
        default: 500  // UNKNOWN, INTERNAL, DATA_LOSS and codes outside the standard set
        }
    }
}
