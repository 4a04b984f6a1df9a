/// How protobuf binary is written as JSON.
public struct JSONEncodingOptions: Sendable, Hashable {
    /// Write fields without presence that hold their default value (`0`, `""`, `[]`, `{}`).
    public var emitUnpopulated = false
    /// Use the .proto field names instead of their lowerCamelCase JSON names.
    public var useProtoNames = false
    /// Write enum values as numbers instead of names.
    public var enumsAsNumbers = false
    /// Spaces per nesting level; 0 writes compact JSON on one line.
    public var indent = 0
    /// The deepest nesting of messages accepted in the binary input.
    public var maxDepth = 100

    /// The defaults: compact, JSON names, enum names, populated fields only, depth 100.
    public init() {}
}

/// How JSON is read into protobuf binary.
public struct JSONDecodingOptions: Sendable, Hashable {
    /// Skip object keys that name no field (and enum names that name no value) instead of failing.
    public var ignoreUnknownFields = false
    /// The deepest nesting of objects and arrays accepted.
    public var maxDepth = 100

    /// The defaults: unknown fields are errors, depth 100.
    public init() {}
}
