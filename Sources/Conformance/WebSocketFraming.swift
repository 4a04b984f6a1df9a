/// The client's side of WebSocket framing (RFC 6455): masked frames out, server frames in,
/// checked as strictly as a browser checks them.
enum WebSocketFraming {
    static let continuation: UInt8 = 0, text: UInt8 = 1, binary: UInt8 = 2, close: UInt8 = 8, ping: UInt8 = 9, pong: UInt8 = 10

    /// One final client frame, masked.
    static func encode(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// A close frame's payload: the code, then the reason.
    static func closePayload(code: Int, reason: String) -> [UInt8] {
        [UInt8(code >> 8 & 0xFF), UInt8(code & 0xFF)] + Array(reason.utf8)
    }

    /// The server frame at the start of `bytes`: nil while incomplete; an error for what a
    /// server must not send (masking, reserved bits, bad opcodes, long or fragmented control
    /// frames, lengths beyond 2^63).
    static func decode(_ bytes: [UInt8]) throws(CaseFailure) -> (fin: Bool, opcode: UInt8, payload: [UInt8], next: Int)? {
        guard bytes.count >= 2 else { return nil }
        let fin = bytes[0] & 0x80 != 0
        let opcode = bytes[0] & 0x0F
        guard bytes[0] & 0x70 == 0 else { throw CaseFailure("the server set reserved bits with no extension agreed") }
        guard [continuation, text, binary, close, ping, pong].contains(opcode) else { throw CaseFailure("the server sent opcode \(opcode)") }
        guard bytes[1] & 0x80 == 0 else { throw CaseFailure("the server masked a frame") }
        var length = UInt64(bytes[1] & 0x7F)
        var position = 2
        let extra = length == 126 ? 2 : length == 127 ? 8 : 0
        guard bytes.count >= position + extra else { return nil }
        if extra > 0 {
            length = bytes[position..<position + extra].reduce(0) { $0 << 8 | UInt64($1) }
            position += extra
        }
        guard length < 1 << 40 else { throw CaseFailure("the server announced a frame of \(length) bytes") }
        if opcode >= close {
            guard fin, length <= 125 else { throw CaseFailure("the server sent a fragmented or long control frame") }
        }
        guard UInt64(bytes.count - position) >= length else { return nil }
        let end = position + Int(length)
        return (fin, opcode, Array(bytes[position..<end]), end)
    }
}
