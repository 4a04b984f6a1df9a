import ProtoSchema

/// Converts between protobuf JSON and protobuf binary for any message type of a descriptor
/// pool, with no generated code. Immutable and `Sendable`: one codec serves every request.
public struct ProtoJSONCodec: Sendable {
    /// The types this codec knows.
    public let pool: DescriptorPool

    /// A codec for the types of `pool`.
    public init(pool: DescriptorPool) { self.pool = pool }

    /// The binary encoding of a JSON value of the message at `messageIndex`.
    public func binary(
        fromJSON json: UnsafeRawBufferPointer, messageIndex: Int, options: JSONDecodingOptions = .init()
    ) throws(CodecError) -> [UInt8] {
        var converter = JSONToBinary(pool: pool, options: options, json: json)
        return try converter.convert(messageIndex: messageIndex)
    }

    /// The binary encoding of a JSON value of the message at `messageIndex`.
    public func binary(
        fromJSON json: [UInt8], messageIndex: Int, options: JSONDecodingOptions = .init()
    ) throws(CodecError) -> [UInt8] {
        try json.withBytes { (json) throws(CodecError) in
            try binary(fromJSON: json, messageIndex: messageIndex, options: options)
        }
    }

    /// The JSON form (UTF-8) of a binary message of the type at `messageIndex`.
    public func json(
        fromBinary bytes: UnsafeRawBufferPointer, messageIndex: Int, options: JSONEncodingOptions = .init()
    ) throws(CodecError) -> [UInt8] {
        var converter = BinaryToJSON(pool: pool, options: options, capacity: bytes.count * 2 + 16)
        return try converter.convert(bytes, messageIndex: messageIndex)
    }

    /// The JSON form (UTF-8) of a binary message of the type at `messageIndex`.
    public func json(
        fromBinary bytes: [UInt8], messageIndex: Int, options: JSONEncodingOptions = .init()
    ) throws(CodecError) -> [UInt8] {
        try bytes.withBytes { (bytes) throws(CodecError) in
            try json(fromBinary: bytes, messageIndex: messageIndex, options: options)
        }
    }

    /// Checks that `bytes` is a well-formed binary message of the type at `messageIndex`
    /// (structure, UTF-8, depth), without converting it.
    public func validate(_ bytes: [UInt8], messageIndex: Int, maxDepth: Int = 100) throws(CodecError) {
        try bytes.withBytes { (bytes) throws(CodecError) in
            try BinaryValidator(pool: pool, maxDepth: maxDepth).validate(bytes, 0..<bytes.count, messageIndex, depth: 0)
        }
    }
}
