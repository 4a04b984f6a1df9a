/// Percent-decoding of path segments and query components, as the google.api.http rules say:
/// a single-segment capture is fully decoded, a multi-segment one keeps `%2F` encoded.
public enum PercentDecoding {
    /// Why a text does not decode.
    public enum Failure: Error, Sendable {
        /// A `%` not followed by two hex digits.
        case malformedEscape
        /// The decoded bytes are not UTF-8.
        case notUTF8
    }

    /// The decoded text.
    public static func decode(_ text: Substring, keepingEncodedSlashes: Bool = false, plusAsSpace: Bool = false) throws(Failure) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusAsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        guard let bytes = decodedBytes(utf8, keepingEncodedSlashes: keepingEncodedSlashes, plusAsSpace: plusAsSpace, lenient: false) else {
            throw .malformedEscape
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        return decoded
    }

    /// Whether every `%` in `text` starts a well-formed escape.
    public static func isWellFormed(_ text: Substring) -> Bool {
        !text.utf8.contains(UInt8(ascii: "%"))
            || decodedBytes(Array(text.utf8), keepingEncodedSlashes: false, plusAsSpace: false, lenient: false) != nil
    }

    /// Decodes what it can, as gRPC asks of `grpc-message`: a `%` without two hex digits stays
    /// as written, and bytes that are not UTF-8 become U+FFFD.
    public static func decodeLeniently(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let bytes = decodedBytes(Array(text.utf8), keepingEncodedSlashes: false, plusAsSpace: false, lenient: true) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The decoded bytes; nil for a malformed escape unless `lenient`, which keeps it as written.
    private static func decodedBytes(_ utf8: [UInt8], keepingEncodedSlashes: Bool, plusAsSpace: Bool, lenient: Bool) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                let decoded = high << 4 | low
                if keepingEncodedSlashes, decoded == UInt8(ascii: "/") {
                    bytes.append(contentsOf: utf8[index...(index + 2)])
                } else {
                    bytes.append(decoded)
                }
                index += 3
            } else if byte == UInt8(ascii: "%"), !lenient {
                return nil
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
