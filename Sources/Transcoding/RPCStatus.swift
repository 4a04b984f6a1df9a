/// The one error model of the gateway: a gRPC status code, a message and optional details
/// (a serialized `google.rpc.Status`, as carried by `grpc-status-details-bin`). Every layer
/// throws it; `HTTPStatusMapping` turns it into an HTTP answer in one place.
public struct RPCStatus: Error, Sendable, Equatable, CustomStringConvertible {
    /// A gRPC status code; an open set, so that an unknown code still round-trips.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let cancelled = Code(rawValue: 1)
        public static let unknown = Code(rawValue: 2)
        public static let invalidArgument = Code(rawValue: 3)
        public static let deadlineExceeded = Code(rawValue: 4)
        public static let notFound = Code(rawValue: 5)
        public static let alreadyExists = Code(rawValue: 6)
        public static let permissionDenied = Code(rawValue: 7)
        public static let resourceExhausted = Code(rawValue: 8)
        public static let failedPrecondition = Code(rawValue: 9)
        public static let aborted = Code(rawValue: 10)
        public static let outOfRange = Code(rawValue: 11)
        public static let unimplemented = Code(rawValue: 12)
        public static let `internal` = Code(rawValue: 13)
        public static let unavailable = Code(rawValue: 14)
        public static let dataLoss = Code(rawValue: 15)
        public static let unauthenticated = Code(rawValue: 16)

        private static let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]

        /// The canonical name, `NOT_FOUND`; `CODE_<n>` for codes outside the standard set.
        public var description: String { Self.names.indices.contains(rawValue) ? Self.names[rawValue] : "CODE_\(rawValue)" }

        /// The code named `name` (`NOT_FOUND`), if it is one of the seventeen.
        public init?(name: String) {
            guard let index = Self.names.firstIndex(of: name) else { return nil }
            rawValue = index
        }
    }

    /// The status code.
    public var code: Code
    /// The message for the caller.
    public var message: String
    /// A serialized `google.rpc.Status` whose `details` are rendered in the error body.
    public var detailsBinary: [UInt8]?
    /// Extra HTTP headers for the answer, such as `Allow` on a 405.
    public var headers: [(String, String)] = []
    /// The HTTP status to answer with when it is not the code's standard mapping (404, 405,
    /// 413, 415 for gateway-level errors).
    public var httpStatusOverride: Int?

    /// A status with a code and message.
    public init(_ code: Code, _ message: String, detailsBinary: [UInt8]? = nil) {
        self.code = code
        self.message = message
        self.detailsBinary = detailsBinary
    }

    /// A gateway-level status answered with its own HTTP status (404, 405, 413, 415, ...).
    public init(_ code: Code, _ message: String, httpStatus: Int) {
        self.init(code, message)
        httpStatusOverride = httpStatus
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: RPCStatus, rhs: RPCStatus) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.detailsBinary == rhs.detailsBinary
            && lhs.httpStatusOverride == rhs.httpStatusOverride
            && lhs.headers.elementsEqual(rhs.headers, by: ==)
    }

    /// The HTTP status this status is answered with.
    public var httpStatus: Int { httpStatusOverride ?? HTTPStatusMapping.httpStatus(for: code) }
}
