/// A gRPC service and its methods.
public final class ServiceDescriptor: Sendable {
    /// The fully qualified name, `package.Service`.
    public let fullName: String
    /// The file that declares the service.
    public let fileName: String
    /// The methods in declaration order.
    public let methods: [MethodDescriptor]

    init(fullName: String, fileName: String, methods: [MethodDescriptor]) {
        self.fullName = fullName
        self.fileName = fileName
        self.methods = methods
    }
}

/// One RPC method: its message types, streaming shape and raw options.
public final class MethodDescriptor: Sendable {
    /// The method's simple name.
    public let name: String
    /// The fully qualified name, `package.Service.Method`.
    public let fullName: String
    /// The fully qualified service name.
    public let serviceName: String
    /// The pool index of the request message type.
    public let inputIndex: Int
    /// The pool index of the response message type.
    public let outputIndex: Int
    /// Whether the client sends a stream of messages.
    public let clientStreaming: Bool
    /// Whether the server answers with a stream of messages.
    public let serverStreaming: Bool
    /// The serialized `google.protobuf.MethodOptions`, where extensions such as
    /// `google.api.http` live.
    public let optionsBytes: [UInt8]

    init(
        name: String, serviceName: String, inputIndex: Int, outputIndex: Int,
        clientStreaming: Bool, serverStreaming: Bool, optionsBytes: [UInt8]
    ) {
        self.name = name
        self.fullName = serviceName + "." + name
        self.serviceName = serviceName
        self.inputIndex = inputIndex
        self.outputIndex = outputIndex
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
        self.optionsBytes = optionsBytes
    }

    /// The gRPC request path, `/package.Service/Method`.
    public var path: String { "/" + serviceName + "/" + name }
}
