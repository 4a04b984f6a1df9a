import NIOCore
import Transcoding

/// Splits a stream of DATA payloads into gRPC messages: a 1-byte compression flag, a 4-byte
/// big-endian length, then the message. Bounded by a maximum message size.
public struct GRPCMessageReader: Sendable {
    private var buffer: ByteBuffer?
    /// The largest message accepted.
    public let maxMessageSize: Int

    /// A reader refusing messages over `maxMessageSize` bytes.
    public init(maxMessageSize: Int) { self.maxMessageSize = maxMessageSize }

    /// Whether bytes of an unfinished message are buffered.
    public var hasPartialMessage: Bool { (buffer?.readableBytes ?? 0) > 0 }

    /// Adds the payload of a DATA frame.
    public mutating func append(_ data: ByteBuffer) {
        if buffer == nil {
            buffer = data
        } else {
            var data = data
            buffer!.writeBuffer(&data)
        }
    }

    /// The next complete message, or nil until more data arrives.
    public mutating func next() throws(RPCStatus) -> [UInt8]? {
        guard var current = buffer, current.readableBytes >= 5 else { return nil }
        let compressed = current.getInteger(at: current.readerIndex, as: UInt8.self) ?? 0
        let length = Int(current.getInteger(at: current.readerIndex + 1, as: UInt32.self) ?? 0)
        guard compressed == 0 else { throw RPCStatus(.internal, "the backend sent a compressed message, which was not offered") }
        guard length <= maxMessageSize else {
            throw RPCStatus(.resourceExhausted, "the backend's message of \(length) bytes exceeds the limit of \(maxMessageSize)")
        }
        guard current.readableBytes >= 5 + length else { return nil }
        current.moveReaderIndex(forwardBy: 5)
        let message = current.readBytes(length: length) ?? []
        buffer = current.readableBytes > 0 ? current : nil
        if buffer != nil, buffer!.readerIndex > 65_536 { buffer!.discardReadBytes() }
        return message
    }

    /// A message framed for sending.
    public static func frame(_ message: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: message.count + 5)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(message.count))
        buffer.writeBytes(message)
        return buffer
    }
}
