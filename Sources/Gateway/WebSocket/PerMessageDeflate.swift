import CZlib
import Transcoding

/// permessage-deflate (RFC 7692) without context takeover in either direction: every message is
/// compressed and decompressed on its own, so a connection keeps no zlib state between messages
/// and an idle subscription holds no compression memory.
enum PerMessageDeflate {
    /// The response header value when a client's offer is accepted.
    static let acceptedOffer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

    /// Whether a `Sec-WebSocket-Extensions` header offers permessage-deflate in a form we accept
    /// (any `client_max_window_bits`; no `server_max_window_bits` below 15).
    static func isOffered(in header: String?) -> Bool {
        guard let header else { return false }
        for offer in header.split(separator: ",") {
            let parameters = offer.split(separator: ";").map { $0.trimmingSpaces() }
            guard parameters.first == "permessage-deflate" else { continue }
            let limited = parameters.dropFirst().contains { $0.hasPrefix("server_max_window_bits=") && $0 != "server_max_window_bits=15" }
            if !limited { return true }
        }
        return false
    }

    /// Compresses one message (raw deflate, the trailing empty block removed).
    static func compress(_ message: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(message.count))) + 16)
        var input = message
        let produced: Int? = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                stream.next_in = input.baseAddress
                stream.avail_in = UInt32(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = UInt32(output.count)
                guard deflate(&stream, Z_SYNC_FLUSH) == Z_OK else { return nil }
                return output.count - Int(stream.avail_out)
            }
        }
        guard let produced, produced >= 4 else { return nil }
        return Array(output[0..<(produced - 4)])  // drop 00 00 FF FF
    }

    /// Decompresses one message, refusing output over `limit` bytes (a deflate bomb).
    static func decompress(_ message: [UInt8], limit: Int) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = message + [0x00, 0x00, 0xFF, 0xFF]
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let ok: Bool = input.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { chunk -> (Int32, Int) in
                    stream.next_out = chunk.baseAddress
                    stream.avail_out = UInt32(chunk.count)
                    let status = inflate(&stream, Z_SYNC_FLUSH)
                    return (status, chunk.count - Int(stream.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return false }
                result.append(contentsOf: chunk[0..<produced])
                if result.count > limit { return false }
                if stream.avail_in == 0 && produced < chunk.count { return true }
                if status == Z_STREAM_END { return true }
                if status == Z_BUF_ERROR && produced == 0 { return stream.avail_in == 0 }
            }
        }
        return ok ? result : nil
    }
}
