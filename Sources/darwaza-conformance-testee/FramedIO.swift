#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The conformance protocol's framing on file descriptors 0 and 1: a 4-byte little-endian
/// length, then the message.
enum FramedIO {
    /// The next frame from standard input, or nil at a clean or truncated end of input.
    static func readFrame() -> [UInt8]? {
        guard let header = read(count: 4) else { return nil }
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        return read(count: length)
    }

    /// Writes one frame to standard output.
    static func writeFrame(_ bytes: [UInt8]) {
        let length = UInt32(bytes.count)
        var frame = [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        frame.append(contentsOf: bytes)
        frame.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { exit(1) }
                offset += written
            }
        }
    }

    private static func read(count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress! + offset, count - offset) }
            if got <= 0 { return nil }
            offset += got
        }
        return buffer
    }
}
