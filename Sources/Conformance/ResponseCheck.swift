/// Compares what the client got with what a case expects, one line per difference.
enum ResponseCheck {
    static func differences(_ expected: ConformanceCase.Response, _ got: ClientTranscript) -> [String] {
        let answer = got.answer
        var lines: [String] = []
        if let status = expected.status, status != answer.status {
            lines.append("response.status: expected \(status), got \(answer.status)")
        }
        lines += namedValueDifferences(expected.headers, absent: expected.headersAbsent, values: answer.values, at: "response.headers")
        if answer.trailingBytes > 0 {
            lines.append("response: \(answer.trailingBytes) bytes after the answer on a connection that asked to close")
        }
        let text = String(decoding: answer.body, as: UTF8.self)
        if let body = expected.body {
            if let value = JSONValue(parsing: answer.body) {
                lines += jsonDifferences(expected: body, got: value, at: "response.body")
            } else {
                lines.append("response.body: expected \(body.text), got text that is not one JSON value without repeated keys: \(quote(text))")
            }
        }
        if let bodyText = expected.bodyText, !Array(bodyText.utf8).elementsEqual(answer.body) {
            lines.append("response.body_text: expected \(quote(bodyText)), got \(quote(text))")
        }
        if let ndjson = expected.ndjson {
            let got = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast(text.hasSuffix("\n") ? 1 : 0).map { ConformanceCase.Frame.text(String($0)) }
            lines += frameDifferences(ndjson.map { .json($0) }, got, at: "response.ndjson")
        }
        if let events = expected.sse {
            lines += listDifferences(events, serverSentEvents(text), at: "response.sse", describe: describe, describeGot: describe) { want, have, path in
                (want.event == have.event ? [] : ["\(path).event: expected \(want.event.map(quote) ?? "none"), got \(have.event.map(quote) ?? "none")"])
                    + frameDifference(.json(want.data), .text(have.data), at: path + ".data")
            }
        }
        if let socket = expected.webSocket {
            guard let transcript = got.webSocket else {
                return lines + ["response.websocket: expected an upgrade, got HTTP \(answer.status) \(quote(text))"]
            }
            lines += frameDifferences(socket.frames, transcript.frames, at: "response.websocket.frames")
            if let code = socket.closeCode, code != transcript.closeCode {
                lines.append("response.websocket.close: expected \(code), got \(transcript.closeCode.map(String.init) ?? "no close frame")")
            }
            if let reason = socket.closeReason, reason != transcript.closeReason {
                lines.append("response.websocket.reason: expected \(quote(reason)), got \(transcript.closeReason.map(quote) ?? "no close frame")")
            }
        }
        return lines
    }

    /// Required and absent headers or metadata: `values` gives the values of a name.
    static func namedValueDifferences(
        _ expected: [(name: String, value: String)], absent: [String], values: (String) -> [String], at path: String
    ) -> [String] {
        var lines: [String] = []
        for (name, value) in expected {
            let have = values(name)
            if !have.contains(where: { $0.utf8.elementsEqual(value.utf8) }) {
                lines.append("\(path).\(name): expected \(quote(value)), got \(have.isEmpty ? "nothing" : have.map(quote).joined(separator: ", "))")
            }
        }
        for name in absent where !values(name).isEmpty {
            lines.append("\(path).\(name): expected nothing, got \(values(name).map(quote).joined(separator: ", "))")
        }
        return lines
    }

    private static func frameDifferences(_ expected: [ConformanceCase.Frame], _ got: [ConformanceCase.Frame], at path: String) -> [String] {
        listDifferences(expected, got, at: path, describe: describe, describeGot: describe, compare: frameDifference)
    }

    /// A JSON frame is compared as a JSON value, the others exactly.
    private static func frameDifference(_ expected: ConformanceCase.Frame, _ got: ConformanceCase.Frame, at location: String) -> [String] {
        switch (expected, got) {
        case (.json(let want), .text(let text)):
            guard let value = JSONValue(parsing: Array(text.utf8)) else {
                return ["\(location): expected \(want.text), got text that is not one JSON value without repeated keys: \(quote(text))"]
            }
            return jsonDifferences(expected: want, got: value, at: location)
        case (.text(let want), .text(let have)) where want.utf8.elementsEqual(have.utf8):
            return []
        case (let want, let have) where want != have:
            return ["\(location): expected \(describe(want)), got \(describe(have))"]
        default:
            return []
        }
    }

    /// The events of an SSE body as the EventSource specification reads them: lines end in
    /// LF, CR or CRLF; an event ends at a blank line (an unfinished last event is dropped);
    /// one space after the colon is stripped; data lines join with newlines.
    private static func serverSentEvents(_ text: String) -> [(event: String?, data: String)] {
        var events: [(event: String?, data: String)] = []
        var name: String?
        var data: [String] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        {
            guard !line.isEmpty else {
                if !data.isEmpty { events.append((name, data.joined(separator: "\n"))) }
                (name, data) = (nil, [])
                continue
            }
            let field = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            var value = field.count > 1 ? field[1] : ""
            if value.first == " " { value = value.dropFirst() }
            switch field[0] {
            case "event": name = String(value)
            case "data": data.append(String(value))
            default: break
            }
        }
        return events
    }

    private static func describe(_ event: (event: String?, data: String)) -> String { "an event with data \(quote(event.data))" }
    private static func describe(_ event: ConformanceCase.Event) -> String { "an event with data \(event.data.text)" }

    private static func describe(_ frame: ConformanceCase.Frame) -> String {
        switch frame {
        case .json(let value): "JSON \(value.text)"
        case .text(let text): "text \(quote(text))"
        case .binary(let bytes): "binary of \(bytes.count) bytes"
        case .close(let code, let reason): "close \(code) \(quote(reason))"
        }
    }

    /// A string in double quotes with escapes, cut at 300 characters, as reports show text.
    static func quote(_ text: String) -> String {
        let limit = 300
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return JSONValue.string(shown).text
    }
}
