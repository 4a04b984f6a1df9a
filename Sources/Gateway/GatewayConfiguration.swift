/// Everything `darwaza serve` needs, from the YAML config file and the command-line flags
/// (flags win). Every limit is explicit and has a documented default.
public struct GatewayConfiguration: Sendable, Codable, Equatable {
    /// The address of the API listener, `HOST:PORT`; port 0 picks a free port.
    public var listen = "127.0.0.1:8080"
    /// The address of the admin listener.
    public var admin = "127.0.0.1:9901"
    /// Binary `FileDescriptorSet` files.
    public var descriptorSets: [String] = []
    /// YAML rules files in the form of `google.api.Service`.
    public var httpRules: [String] = []
    /// Backend URLs by fully qualified service name, `*` for every other service.
    public var upstreams: [String: [String]] = [:]
    /// A PEM file of extra CA certificates for `https://` backends.
    public var upstreamCA: String?
    /// Call timeouts in seconds by service name (`*` for the default); 15 s if unset.
    public var timeouts: [String: Double] = [:]
    /// Request headers, besides `Authorization` and `Grpc-Metadata-*`, sent to backends as metadata.
    public var forwardHeaders: [String] = []
    /// JSON options for all methods.
    public var json = JSONOptions()
    /// JSON options by fully qualified method name, replacing the global ones for that method.
    public var methodJSON: [String: JSONOptions] = [:]
    /// Sizes and times that bound what a client or backend can make the gateway hold.
    public var limits = Limits()
    /// The WebSocket bridge.
    public var websocket = WebSocketOptions()

    /// How WebSockets are accepted and kept.
    public struct WebSocketOptions: Sendable, Codable, Equatable {
        /// Origins allowed to upgrade besides the request's own host; `*` allows any.
        public var allowedOrigins: [String] = []
        /// Seconds between pings to the client.
        public var pingIntervalSeconds = 30.0
        /// Seconds without any frame from the client before it is closed (1001).
        public var idleTimeoutSeconds = 300.0
        /// The largest client message, in bytes (close 1009 above it).
        public var maxMessageBytes = 1 << 20
        /// Response messages buffered for a client before reading from the backend pauses.
        public var bufferMessages = 64
        /// Bytes buffered for a client before reading from the backend pauses.
        public var bufferBytes = 256 << 10
        /// Seconds a client may stay behind before it is closed (1008).
        public var slowClientSeconds = 10.0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case allowedOrigins = "allowed_origins", pingIntervalSeconds = "ping_interval_seconds"
            case idleTimeoutSeconds = "idle_timeout_seconds", maxMessageBytes = "max_message_bytes"
            case bufferMessages = "buffer_messages", bufferBytes = "buffer_bytes", slowClientSeconds = "slow_client_seconds"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = WebSocketOptions()
            allowedOrigins = try container.decodeIfPresent([String].self, forKey: .allowedOrigins) ?? []
            pingIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .pingIntervalSeconds) ?? defaults.pingIntervalSeconds
            idleTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? defaults.idleTimeoutSeconds
            maxMessageBytes = try container.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? defaults.maxMessageBytes
            bufferMessages = try container.decodeIfPresent(Int.self, forKey: .bufferMessages) ?? defaults.bufferMessages
            bufferBytes = try container.decodeIfPresent(Int.self, forKey: .bufferBytes) ?? defaults.bufferBytes
            slowClientSeconds = try container.decodeIfPresent(Double.self, forKey: .slowClientSeconds) ?? defaults.slowClientSeconds
        }
    }

    /// The JSON mapping options of the request and response.
    public struct JSONOptions: Sendable, Codable, Equatable {
        public var emitUnpopulated = false
        public var useProtoNames = false
        public var enumsAsNumbers = false
        public var indent = 0
        public var ignoreUnknownFields = false
        public var ignoreUnknownQueryParameters = false
        public var rejectFieldsBoundTwice = false

        public init() {}

        enum CodingKeys: String, CodingKey {
            case emitUnpopulated = "emit_unpopulated", useProtoNames = "use_proto_names"
            case enumsAsNumbers = "enums_as_numbers", indent, ignoreUnknownFields = "ignore_unknown_fields"
            case ignoreUnknownQueryParameters = "ignore_unknown_query_parameters"
            case rejectFieldsBoundTwice = "reject_fields_bound_twice"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            emitUnpopulated = try container.decodeIfPresent(Bool.self, forKey: .emitUnpopulated) ?? false
            useProtoNames = try container.decodeIfPresent(Bool.self, forKey: .useProtoNames) ?? false
            enumsAsNumbers = try container.decodeIfPresent(Bool.self, forKey: .enumsAsNumbers) ?? false
            indent = try container.decodeIfPresent(Int.self, forKey: .indent) ?? 0
            ignoreUnknownFields = try container.decodeIfPresent(Bool.self, forKey: .ignoreUnknownFields) ?? false
            ignoreUnknownQueryParameters = try container.decodeIfPresent(Bool.self, forKey: .ignoreUnknownQueryParameters) ?? false
            rejectFieldsBoundTwice = try container.decodeIfPresent(Bool.self, forKey: .rejectFieldsBoundTwice) ?? false
        }
    }

    /// Limits, each named in configuration.
    public struct Limits: Sendable, Codable, Equatable {
        /// The largest request body, in bytes (413 above it).
        public var maxBodyBytes = 4 << 20
        /// The largest message from a backend, in bytes.
        public var maxResponseMessageBytes = 4 << 20
        /// The longest request path with query, in bytes (414 above it).
        public var maxPathBytes = 8192
        /// The deepest JSON nesting accepted.
        public var maxJSONDepth = 100
        /// Seconds a connection may sit idle between requests before it is closed.
        public var idleTimeoutSeconds = 60.0
        /// Seconds a client may take to send a whole request (408 after it).
        public var requestReadTimeoutSeconds = 30.0
        /// Seconds to wait for calls in flight at shutdown.
        public var drainSeconds = 10.0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case maxBodyBytes = "max_body_bytes", maxResponseMessageBytes = "max_response_message_bytes"
            case maxPathBytes = "max_path_bytes", maxJSONDepth = "max_json_depth"
            case idleTimeoutSeconds = "idle_timeout_seconds", requestReadTimeoutSeconds = "request_read_timeout_seconds"
            case drainSeconds = "drain_seconds"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Limits()
            maxBodyBytes = try container.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? defaults.maxBodyBytes
            maxResponseMessageBytes = try container.decodeIfPresent(Int.self, forKey: .maxResponseMessageBytes) ?? defaults.maxResponseMessageBytes
            maxPathBytes = try container.decodeIfPresent(Int.self, forKey: .maxPathBytes) ?? defaults.maxPathBytes
            maxJSONDepth = try container.decodeIfPresent(Int.self, forKey: .maxJSONDepth) ?? defaults.maxJSONDepth
            idleTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? defaults.idleTimeoutSeconds
            requestReadTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .requestReadTimeoutSeconds) ?? defaults.requestReadTimeoutSeconds
            drainSeconds = try container.decodeIfPresent(Double.self, forKey: .drainSeconds) ?? defaults.drainSeconds
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case listen, admin, descriptorSets = "descriptor_sets", httpRules = "http_rules", upstreams
        case upstreamCA = "upstream_ca", timeouts, forwardHeaders = "forward_headers", json
        case methodJSON = "method_json", limits, websocket
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GatewayConfiguration()
        listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? defaults.listen
        admin = try container.decodeIfPresent(String.self, forKey: .admin) ?? defaults.admin
        descriptorSets = try container.decodeIfPresent([String].self, forKey: .descriptorSets) ?? []
        httpRules = try container.decodeIfPresent([String].self, forKey: .httpRules) ?? []
        upstreams = try container.decodeIfPresent([String: [String]].self, forKey: .upstreams) ?? [:]
        upstreamCA = try container.decodeIfPresent(String.self, forKey: .upstreamCA)
        timeouts = try container.decodeIfPresent([String: Double].self, forKey: .timeouts) ?? [:]
        forwardHeaders = try container.decodeIfPresent([String].self, forKey: .forwardHeaders) ?? []
        json = try container.decodeIfPresent(JSONOptions.self, forKey: .json) ?? JSONOptions()
        methodJSON = try container.decodeIfPresent([String: JSONOptions].self, forKey: .methodJSON) ?? [:]
        limits = try container.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        websocket = try container.decodeIfPresent(WebSocketOptions.self, forKey: .websocket) ?? WebSocketOptions()
    }
}
