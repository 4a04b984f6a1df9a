/// Percent-decoding of path segments and query components, as the google.api.http rules say:
/// a single-segment capture is fully decoded, a multi-segment one keeps `%2F` encoded.
public enum PercentDecoding {
    /// The decoded text; nil for a malformed escape or bytes that are not UTF-8.
    public static func decode(_ text: Substring, keepingEncodedSlashes: Bool = false, plusAsSpace: Bool = false) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusAsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count,
                    let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
                else { return nil }
                let decoded = high << 4 | low
                if keepingEncodedSlashes, decoded == UInt8(ascii: "/") {
                    bytes.append(contentsOf: utf8[index...(index + 2)])
                } else {
                    bytes.append(decoded)
                }
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
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
