import Foundation

/// An HTTP/1.1 response as the client received it.
struct HTTPAnswer {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Bytes that arrived after the answer on a connection that should have closed.
    var trailingBytes = 0

    /// The values of the header `name`, in order.
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Parses the response at the start of `bytes`: nil while more bytes are needed, else the
    /// response and the number of bytes it took. Interim 1xx answers other than 101 are skipped.
    /// `ended` says the connection is closed, which ends a body with no declared length.
    static func parse(_ bytes: [UInt8], ended: Bool, bodyless: Bool) throws(CaseFailure) -> (HTTPAnswer, consumed: Int)? {
        var start = 0
        while true {
            guard let headEnd = find([13, 10, 13, 10], in: bytes, from: start) else { return nil }
            let lines = String(decoding: bytes[start..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            let statusParts = lines[0].split(separator: " ", maxSplits: 2)
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = decimal(statusParts[1]), status < 1000 else {
                throw CaseFailure("not an HTTP/1.1 status line: \(lines[0].debugDescription)")
            }
            var headers: [(name: String, value: String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { throw CaseFailure("malformed header line: \(line.debugDescription)") }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))))
            }
            var answer = HTTPAnswer(status: status, headers: headers, body: [])
            let bodyStart = headEnd + 4
            if (100..<200).contains(status), status != 101 {
                start = bodyStart
                continue
            }
            if status == 101 || status == 204 || status == 304 || bodyless { return (answer, bodyStart) }
            if answer.values("transfer-encoding").contains(where: { $0.lowercased().contains("chunked") }) {
                guard let (body, end) = try dechunk(bytes, from: bodyStart) else { return nil }
                answer.body = body
                return (answer, end)
            }
            if let lengthText = answer.values("content-length").first {
                guard let length = decimal(Substring(lengthText)) else { throw CaseFailure("bad content-length \(lengthText.debugDescription)") }
                guard bytes.count - bodyStart >= length else { return nil }
                answer.body = Array(bytes[bodyStart..<bodyStart + length])
                return (answer, bodyStart + length)
            }
            guard ended else { return nil }
            answer.body = Array(bytes[bodyStart...])
            return (answer, bytes.count)
        }
    }

    /// Decodes a chunked body starting at `start`: nil while incomplete.
    private static func dechunk(_ bytes: [UInt8], from start: Int) throws(CaseFailure) -> ([UInt8], Int)? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else { return nil }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)[0]
            guard let size = hexadecimal(sizeText.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))) else {
                throw CaseFailure("bad chunk size \(String(sizeText).debugDescription)")
            }
            position = lineEnd + 2
            if size == 0 {
                while true {
                    guard let end = find([13, 10], in: bytes, from: position) else { return nil }
                    if end == position { return (body, end + 2) }
                    position = end + 2
                }
            }
            guard bytes.count - position - 2 >= size else { return nil }
            guard bytes[position + size] == 13, bytes[position + size + 1] == 10 else {
                throw CaseFailure("a chunk of \(size) bytes is not followed by CRLF")
            }
            body += bytes[position..<position + size]
            position += size + 2
        }
    }

    /// Digits only, at most 15 of them.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 15, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Hex digits only, at most 15 of them.
    private static func hexadecimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 15, text.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        return Int(text, radix: 16)
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
