/// The client's WebSocket framing (RFC 6455): masked frames out, server frames in.
enum WebSocketFraming {
    static let text: UInt8 = 1, binary: UInt8 = 2, continuation: UInt8 = 0, close: UInt8 = 8, ping: UInt8 = 9, pong: UInt8 = 10

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

    /// The frame at `offset` of `bytes`: nil while incomplete.
    static func decode(_ bytes: [UInt8], at offset: Int) -> (fin: Bool, opcode: UInt8, payload: [UInt8], next: Int)? {
        guard bytes.count - offset >= 2 else { return nil }
        let fin = bytes[offset] & 0x80 != 0
        let opcode = bytes[offset] & 0x0F
        let masked = bytes[offset + 1] & 0x80 != 0
        var length = Int(bytes[offset + 1] & 0x7F)
        var position = offset + 2
        let extra = length == 126 ? 2 : length == 127 ? 8 : 0
        guard bytes.count >= position + extra else { return nil }
        if extra > 0 {
            length = bytes[position..<position + extra].reduce(0) { $0 << 8 | Int($1) }
            position += extra
        }
        let mask = masked ? Array(bytes[position..<min(position + 4, bytes.count)]) : []
        position += mask.count
        guard mask.count == (masked ? 4 : 0), length >= 0, bytes.count - position >= length else { return nil }
        var payload = Array(bytes[position..<position + length])
        if masked { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        return (fin, opcode, payload, position + length)
    }
}
