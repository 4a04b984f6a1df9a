import ProtoJSON

/// How requests are built and responses rendered, globally or for one method.
public struct TranscodingOptions: Sendable, Hashable {
    /// How response messages are written as JSON.
    public var output = JSONEncodingOptions()
    /// How request bodies are read.
    public var input = JSONDecodingOptions()
    /// Skip query parameters that name no field instead of answering 400.
    public var ignoreUnknownQueryParameters = false
    /// Answer 400 when the body sets a field that the path also binds, instead of letting the
    /// path's value win.
    public var rejectFieldsBoundTwice = false

    /// The defaults: unknown JSON fields and query parameters are errors; the path wins.
    public init() {}
}
