import NIOCore
import NIOWebSocket

/// Joins the fragments of client messages, checks their size (before and after inflating), and
/// inflates messages compressed with permessage-deflate.
struct WebSocketMessageAssembler {
    /// A complete client message.
    struct Message {
        var isText: Bool
        var bytes: [UInt8]
    }

    /// Why a message cannot be accepted, with the close code to answer with.
    struct Failure: Error {
        var closeCode: UInt16
        var reason: String
    }

    private let maxMessageBytes: Int
    private let deflate: Bool
    private var fragments: [UInt8] = []
    private var fragmentIsText = false
    private var fragmentCompressed = false
    private var inMessage = false

    init(maxMessageBytes: Int, deflate: Bool) {
        self.maxMessageBytes = maxMessageBytes
        self.deflate = deflate
    }

    /// Adds a data frame; returns the message it completes, if any.
    mutating func push(_ frame: WebSocketFrame) throws(Failure) -> Message? {
        if frame.rsv2 || frame.rsv3 || (frame.rsv1 && (!deflate || frame.opcode == .continuation)) {
            throw Failure(closeCode: 1002, reason: "reserved bits set")
        }
        switch frame.opcode {
        case .continuation:
            guard inMessage else { throw Failure(closeCode: 1002, reason: "continuation without a message") }
        default:
            guard !inMessage else { throw Failure(closeCode: 1002, reason: "new message inside a fragmented one") }
            inMessage = true
            fragmentIsText = frame.opcode == .text
            fragmentCompressed = frame.rsv1
            fragments.removeAll(keepingCapacity: false)
        }
        let data = frame.unmaskedData
        guard fragments.count + data.readableBytes <= maxMessageBytes else {
            throw Failure(closeCode: 1009, reason: "message larger than \(maxMessageBytes) bytes")
        }
        fragments.append(contentsOf: data.readableBytesView)
        guard frame.fin else { return nil }
        inMessage = false
        var bytes = fragments
        fragments = []
        if fragmentCompressed {
            guard let inflated = PerMessageDeflate.decompress(bytes, limit: maxMessageBytes) else {
                throw Failure(closeCode: 1009, reason: "compressed message invalid or larger than \(maxMessageBytes) bytes")
            }
            bytes = inflated
        }
        if fragmentIsText, String(validating: bytes, as: UTF8.self) == nil {
            throw Failure(closeCode: 1007, reason: "text frame is not UTF-8")
        }
        return Message(isText: fragmentIsText, bytes: bytes)
    }
}
