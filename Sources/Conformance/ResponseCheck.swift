import Foundation

/// Compares what the client got with what a case expects, one line per difference.
enum ResponseCheck {
    static func differences(_ expected: ConformanceCase.Response, _ got: ClientTranscript) -> [String] {
        let answer = got.answer
        var lines: [String] = []
        if let status = expected.status, status != answer.status {
            lines.append("response.status: expected \(status), got \(answer.status)")
        }
        for (name, value) in expected.headers {
            let values = answer.values(name)
            if !values.contains(value) {
                lines.append("response.headers.\(name): expected \(quote(value)), got \(values.isEmpty ? "nothing" : values.map(quote).joined(separator: ", "))")
            }
        }
        for name in expected.headersAbsent where !answer.values(name).isEmpty {
            lines.append("response.headers.\(name): expected nothing, got \(answer.values(name).map(quote).joined(separator: ", "))")
        }
        let text = String(decoding: answer.body, as: UTF8.self)
        if let body = expected.body {
            if let value = JSONValue(parsing: answer.body) {
                lines += jsonDifferences(expected: body, got: value, at: "response.body")
            } else {
                lines.append("response.body: expected \(body.text), got text that is not JSON: \(quote(text))")
            }
        }
        if let bodyText = expected.bodyText, bodyText != text {
            lines.append("response.body_text: expected \(quote(bodyText)), got \(quote(text))")
        }
        if let ndjson = expected.ndjson {
            lines += compare(ndjson, ndjsonLines(text), at: "response.ndjson")
        }
        if let events = expected.sse {
            lines += sseDifferences(events, serverSentEvents(text))
        }
        if let socket = expected.webSocket {
            guard let transcript = got.webSocket else {
                return lines + ["response.websocket: expected an upgrade, got HTTP \(answer.status) \(quote(text))"]
            }
            lines += compare(socket.frames, transcript.frames, at: "response.websocket.frames")
            if let code = socket.closeCode, code != transcript.closeCode {
                lines.append("response.websocket.close: expected \(code), got \(transcript.closeCode.map(String.init) ?? "no close frame")")
            }
            if let reason = socket.closeReason, reason != transcript.closeReason {
                lines.append("response.websocket.reason: expected \(quote(reason)), got \(transcript.closeReason.map(quote) ?? "no close frame")")
            }
        }
        return lines
    }

    /// Lines of NDJSON as JSON values; a line that is not JSON becomes a string.
    private static func ndjsonLines(_ text: String) -> [ConformanceCase.Frame] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map { .text(String($0)) }
    }

    private static func compare(_ expected: [JSONValue], _ got: [ConformanceCase.Frame], at path: String) -> [String] {
        compare(expected.map { .json($0) }, got, at: path)
    }

    /// Frames compared one by one.
    private static func compare(_ expected: [ConformanceCase.Frame], _ got: [ConformanceCase.Frame], at path: String) -> [String] {
        var lines: [String] = []
        for index in 0..<max(expected.count, got.count) {
            let location = "\(path)[\(index)]"
            guard index < got.count else { lines.append("\(location): expected \(describe(expected[index])), got nothing"); continue }
            guard index < expected.count else { lines.append("\(location): expected nothing, got \(describe(got[index]))"); continue }
            lines += frameDifferences(expected[index], got[index], at: location)
        }
        return lines
    }

    /// A JSON frame is compared as a JSON value, the others exactly.
    private static func frameDifferences(_ expected: ConformanceCase.Frame, _ got: ConformanceCase.Frame, at location: String) -> [String] {
        switch (expected, got) {
        case (.json(let want), .text(let text)):
            guard let value = JSONValue(parsing: Array(text.utf8)) else {
                return ["\(location): expected \(want.text), got text that is not JSON: \(quote(text))"]
            }
            return jsonDifferences(expected: want, got: value, at: location)
        case (let want, let have) where want != have:
            return ["\(location): expected \(describe(want)), got \(describe(have))"]
        default:
            return []
        }
    }

    /// Events of an SSE body: `event:` and `data:` fields (data lines joined by newlines).
    private static func serverSentEvents(_ text: String) -> [(event: String?, data: String)] {
        var events: [(event: String?, data: String)] = []
        for block in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") where !block.isEmpty {
            var name: String?
            var data: [String] = []
            for line in block.split(separator: "\n") {
                let field = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let value = field.count > 1 ? String(field[1].drop { $0 == " " }) : ""
                switch field[0] {
                case "event": name = value
                case "data": data.append(value)
                default: break
                }
            }
            if name != nil || !data.isEmpty { events.append((name, data.joined(separator: "\n"))) }
        }
        return events
    }

    private static func sseDifferences(_ expected: [ConformanceCase.Event], _ got: [(event: String?, data: String)]) -> [String] {
        var lines: [String] = []
        for index in 0..<max(expected.count, got.count) {
            let location = "response.sse[\(index)]"
            guard index < got.count else { lines.append("\(location): expected an event with data \(expected[index].data.text), got nothing"); continue }
            guard index < expected.count else { lines.append("\(location): expected nothing, got an event with data \(quote(got[index].data))"); continue }
            if expected[index].event != got[index].event {
                lines.append("\(location).event: expected \(expected[index].event.map(quote) ?? "none"), got \(got[index].event.map(quote) ?? "none")")
            }
            lines += frameDifferences(.json(expected[index].data), .text(got[index].data), at: location + ".data")
        }
        return lines
    }

    private static func describe(_ frame: ConformanceCase.Frame) -> String {
        switch frame {
        case .json(let value): "JSON \(value.text)"
        case .text(let text): "text \(quote(text))"
        case .binary(let bytes): "binary of \(bytes.count) bytes"
        case .close(let code, let reason): "close \(code) \(quote(reason))"
        }
    }

    /// A string in double quotes with escapes, as reports show text.
    static func quote(_ text: String) -> String {
        let limit = 300
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return JSONValue.string(shown).text
    }
}
