/// Base64 for `bytes` fields and binary headers: standard alphabet with padding on output;
/// standard or URL-safe, padded or not, on input.
public enum Base64 {
    /// The padded standard base64 text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encode($0, 0..<$0.count, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of base64 text in either alphabet, padded or not; nil when malformed.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            let raw = UnsafeRawBufferPointer(utf8)
            guard decodedLength(raw) != nil else { return nil }
            var out: [UInt8] = []
            return decode(raw, into: &out) ? out : nil
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0...63 for each alphabet byte of either alphabet, 0xFF for anything else.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    static func encode(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into out: inout [UInt8]) {
        var index = range.lowerBound
        let end = range.upperBound
        alphabet.withUnsafeBufferPointer { alphabet in
            while end - index >= 3 {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                out.append(alphabet[Int(chunk >> 18)])
                out.append(alphabet[Int(chunk >> 12 & 63)])
                out.append(alphabet[Int(chunk >> 6 & 63)])
                out.append(alphabet[Int(chunk & 63)])
                index += 3
            }
            let rest = end - index
            if rest == 1 {
                let chunk = UInt32(bytes[index]) << 16
                out.append(alphabet[Int(chunk >> 18)])
                out.append(alphabet[Int(chunk >> 12 & 63)])
                out.append(UInt8(ascii: "="))
                out.append(UInt8(ascii: "="))
            } else if rest == 2 {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                out.append(alphabet[Int(chunk >> 18)])
                out.append(alphabet[Int(chunk >> 12 & 63)])
                out.append(alphabet[Int(chunk >> 6 & 63)])
                out.append(UInt8(ascii: "="))
            }
        }
    }

    /// The number of bytes `text` decodes to, or nil when it is not base64.
    static func decodedLength(_ text: UnsafeRawBufferPointer) -> Int? {
        var length = text.count
        if length % 4 == 0, length > 0, text[length - 1] == UInt8(ascii: "=") {
            length -= text[length - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        switch length % 4 {
        case 1: return nil
        case 0: return length / 4 * 3
        default: return length / 4 * 3 + length % 4 - 1
        }
    }

    /// Decodes `text` (already checked by `decodedLength`) onto `out`; false on a character
    /// outside both alphabets or misplaced padding.
    static func decode(_ text: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        var length = text.count
        if length % 4 == 0, length > 0, text[length - 1] == UInt8(ascii: "=") {
            length -= text[length - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        return values.withUnsafeBufferPointer { values in
            var index = 0
            while length - index >= 4 {
                let a = values[Int(text[index])], b = values[Int(text[index + 1])]
                let c = values[Int(text[index + 2])], d = values[Int(text[index + 3])]
                if (a | b | c | d) == 0xFF { return false }
                let chunk = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                out.append(UInt8(truncatingIfNeeded: chunk >> 16))
                out.append(UInt8(truncatingIfNeeded: chunk >> 8))
                out.append(UInt8(truncatingIfNeeded: chunk))
                index += 4
            }
            switch length - index {
            case 2:
                let a = values[Int(text[index])], b = values[Int(text[index + 1])]
                if (a | b) == 0xFF { return false }
                out.append(a << 2 | b >> 4)
            case 3:
                let a = values[Int(text[index])], b = values[Int(text[index + 1])]
                let c = values[Int(text[index + 2])]
                if (a | b | c) == 0xFF { return false }
                out.append(a << 2 | b >> 4)
                out.append(b << 4 | c >> 2)
            default:
                break
            }
            return true
        }
    }
}
