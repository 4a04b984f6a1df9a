@testable import Conformance
import Testing

/// The runner's WebSocket framing: what it sends, and how strictly it reads a server.
struct WebSocketFramingTests {
    @Test func encodesMaskedFramesOfEveryLengthForm() throws {
        for length in [0, 125, 126, 65535, 65536] {
            let payload = [UInt8](repeating: 0x61, count: length)
            let frame = WebSocketFraming.encode(opcode: WebSocketFraming.text, payload: payload)
            #expect(frame[0] == 0x81)
            #expect(frame[1] & 0x80 == 0x80)
            let header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10
            #expect(frame.count == header + 4 + length)
            let mask = Array(frame[header..<header + 4])
            let unmasked = frame[(header + 4)...].enumerated().map { $0.element ^ mask[$0.offset % 4] }
            #expect(unmasked == payload)
        }
    }

    @Test func decodesServerFrames() throws {
        let frame = try #require(try WebSocketFraming.decode([0x81, 0x02, 0x68, 0x69, 0x88]))
        #expect(frame.fin && frame.opcode == WebSocketFraming.text && frame.payload == [0x68, 0x69] && frame.next == 4)
        let long = [0x82, 126, 0x01, 0x00] + [UInt8](repeating: 7, count: 256)
        #expect(try WebSocketFraming.decode(long)?.payload.count == 256)
        #expect(try WebSocketFraming.decode([0x81, 0x05, 0x68]) == nil)
        #expect(try WebSocketFraming.decode([0x81, 127, 0, 0]) == nil)
    }

    @Test(arguments: [
        ([0xC1, 0x00] as [UInt8], "the server set reserved bits with no extension agreed"),
        ([0x83, 0x00], "the server sent opcode 3"),
        ([0x81, 0x81, 1, 2, 3, 4, 5], "the server masked a frame"),
        ([0x09, 0x00], "the server sent a fragmented or long control frame"),
        ([0x88, 126, 0x00, 0x7E], "the server sent a fragmented or long control frame"),
        ([0x82, 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "the server announced a frame of 18446744073709551615 bytes"),
    ])
    func refusesWhatNoServerMaySend(bytes: [UInt8], reason: String) {
        do {
            _ = try WebSocketFraming.decode(bytes)
            Issue.record("accepted \(bytes)")
        } catch {
            #expect(error.description == reason)
        }
    }
}
