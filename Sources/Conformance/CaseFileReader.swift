import Foundation
import Gateway
import HTTPRules
import Transcoding
import Yams

/// Reads case files: YAML with file-wide `descriptor_sets`, `http_rules` and `options`, and a
/// list of `cases` that may override each of them.
enum CaseFileReader {
    /// Gateway options a case may set; the runner owns listeners, descriptors, rules and upstreams.
    private static let ownedOptions: Set<String> = ["listen", "admin", "descriptor_sets", "http_rules", "upstreams", "upstream_ca"]

    /// The cases of the file at `path`.
    static func read(file path: String) throws(CaseFileError) -> [ConformanceCase] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaseFileError(file: path, caseName: nil, field: nil, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CaseFileError(file: path, caseName: nil, field: nil, "not UTF-8 text")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw CaseFileError(file: path, caseName: nil, field: nil, "the file is empty")
            }
            root = node
        } catch let error as CaseFileError {
            throw error
        } catch {
            throw CaseFileError(file: path, caseName: nil, field: nil, "not valid YAML: \(oneLineDescription(error))")
        }
        let top = try YAMLFields(root, at: "", allowed: ["descriptor_sets", "http_rules", "options", "cases"], file: path, caseName: nil)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let defaults = Defaults(
            descriptorSets: try top.strings("descriptor_sets") ?? [], httpRules: try top.strings("http_rules") ?? [],
            options: top.values["options"])
        guard let items = try top.list("cases"), !items.isEmpty else { throw top.error("cases", "expected a non-empty list of cases") }
        var cases: [ConformanceCase] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let name = item["name"].flatMap { node in node.scalar.map(\.string) } ?? "#\(index + 1)"
            let fields = try YAMLFields(
                item, at: "", allowed: ["name", "descriptor_sets", "http_rules", "options", "request", "backend", "no_backend_call", "response", "timeout_seconds"],
                file: path, caseName: name)
            guard try fields.string("name") != nil else { throw fields.error("name", "every case needs a name") }
            guard names.insert(name).inserted else { throw fields.error("name", "another case in this file has this name") }
            cases.append(try readCase(fields, name: name, file: path, folder: folder, defaults: defaults))
        }
        return cases
    }

    private struct Defaults {
        var descriptorSets: [String]
        var httpRules: [String]
        var options: Node?
    }

    private static func readCase(_ fields: YAMLFields, name: String, file: String, folder: URL, defaults: Defaults) throws(CaseFileError) -> ConformanceCase {
        var configuration = try options(merging: defaults.options, fields.values["options"], fields: fields)
        let sets = try fields.strings("descriptor_sets") ?? defaults.descriptorSets
        guard !sets.isEmpty else { throw fields.error("descriptor_sets", "no descriptor set for this case or its file") }
        configuration.descriptorSets = sets.map { GatewayConfiguration.resolve($0, against: folder) }
        configuration.httpRules = (try fields.strings("http_rules") ?? defaults.httpRules).map { GatewayConfiguration.resolve($0, against: folder) }
        guard let requestFields = try fields.fields("request", allowed: ["method", "path", "headers", "body", "body_text", "raw", "websocket"]) else {
            throw fields.error("request", "every case needs a request")
        }
        guard let responseFields = try fields.fields("response", allowed: ["status", "headers", "headers_absent", "body", "body_text", "ndjson", "sse", "websocket"]) else {
            throw fields.error("response", "every case needs a response")
        }
        let noBackendCall = try fields.bool("no_backend_call") ?? false
        let backend = try fields.fields("backend", allowed: ["method", "request", "requests", "metadata", "metadata_absent", "reply"]).map { (b) throws(CaseFileError) in try readBackend(b) }
        guard (backend == nil) == noBackendCall else {
            throw fields.error("backend", noBackendCall ? "a case with no_backend_call: true cannot have a backend" : "give a backend, or no_backend_call: true")
        }
        let timeout = try fields.double("timeout_seconds") ?? 10
        guard timeout > 0, timeout <= 3600 else { throw fields.error("timeout_seconds", "must be more than 0 and at most 3600") }
        return ConformanceCase(
            file: file, name: name, configuration: configuration, request: try readRequest(requestFields),
            backend: backend, response: try readResponse(responseFields), timeoutSeconds: timeout)
    }

    /// The file's options with the case's laid over them, key by key.
    private static func options(merging base: Node?, _ override: Node?, fields: YAMLFields) throws(CaseFileError) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        guard let merged = merge(base, override) else { return configuration }
        if case .mapping(let mapping) = merged {
            for key in mapping.keys.compactMap(\.string) where ownedOptions.contains(key) {
                throw fields.error("options.\(key)", "set by the runner; not an option here")
            }
        }
        do {
            configuration = try GatewayConfiguration.decode(yaml: try Yams.serialize(node: merged), source: "options")
        } catch let error as GatewayError {
            throw fields.error("options", error.description.replacingOccurrences(of: "options: ", with: ""))
        } catch {
            throw fields.error("options", "\(error)")
        }
        configuration.limits.drainSeconds = min(configuration.limits.drainSeconds, 1)
        return configuration
    }

    private static func merge(_ base: Node?, _ override: Node?) -> Node? {
        guard case .mapping(var merged)? = base, case .mapping(let over)? = override else { return override ?? base }
        for (key, value) in over { merged[key] = merge(merged[key], value) }
        return .mapping(merged)
    }

    private static func readRequest(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Request {
        var request = ConformanceCase.Request()
        if let raw = try fields.string("raw") {
            guard fields.values.count == 1 else { throw fields.error("raw", "a raw request cannot have other request fields") }
            request.raw = Array(raw.utf8)
            return request
        }
        guard let path = try fields.string("path") else { throw fields.error("path", "every request needs a path (or raw)") }
        guard path.hasPrefix("/") else { throw fields.error("path", "must start with /") }
        request.path = path
        request.method = try fields.string("method") ?? "GET"
        request.headers = try fields.headers("headers") ?? []
        guard !(fields.has("body") && fields.has("body_text")) else { throw fields.error("body_text", "give body or body_text, not both") }
        if let body = try fields.json("body") {
            request.body = Array(body.text.utf8)
            if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                request.headers.append(("Content-Type", "application/json"))
            }
        }
        if let text = try fields.string("body_text") { request.body = Array(text.utf8) }
        if let socket = try fields.fields("websocket", allowed: ["protocols", "send"]) {
            var webSocket = ConformanceCase.WebSocketRequest()
            webSocket.protocols = try socket.strings("protocols") ?? []
            webSocket.send = try frames(socket, "send")
            request.webSocket = webSocket
        }
        return request
    }

    private static func frames(_ fields: YAMLFields, _ key: String) throws(CaseFileError) -> [ConformanceCase.Frame] {
        var frames: [ConformanceCase.Frame] = []
        for (index, node) in (try fields.list(key) ?? []).enumerated() {
            let frame = try fields.item(node, of: key, at: index, allowed: ["json", "text", "binary_base64", "close", "reason"])
            let kinds = ["json", "text", "binary_base64", "close"].filter(frame.has)
            guard kinds.count == 1 else { throw frame.error("", "give exactly one of json, text, binary_base64, close") }
            if let json = try frame.json("json") {
                frames.append(.json(json))
            } else if let text = try frame.string("text") {
                frames.append(.text(text))
            } else if let bytes = try frame.base64("binary_base64") {
                frames.append(.binary(bytes))
            } else if let code = try frame.int("close") {
                frames.append(.close(code: code, reason: try frame.string("reason") ?? ""))
            }
        }
        return frames
    }

    private static func readBackend(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Backend {
        guard let method = try fields.string("method") else { throw fields.error("method", "name the method the backend must receive") }
        var backend = ConformanceCase.Backend(method: method.replacingOccurrences(of: "/", with: "."))
        guard !(fields.has("request") && fields.has("requests")) else { throw fields.error("requests", "give request or requests, not both") }
        if let request = try fields.json("request") { backend.requests = [request] }
        if let requests = try fields.json("requests") {
            guard case .array(let items) = requests else { throw fields.error("requests", "expected a list of messages") }
            backend.requests = items
        }
        backend.metadata = try fields.headers("metadata") ?? []
        backend.metadataAbsent = try fields.strings("metadata_absent") ?? []
        if let reply = try fields.fields("reply", allowed: ["headers", "messages", "raw_messages_base64", "status", "trailers", "delay_ms"]) {
            backend.reply = try readReply(reply)
        }
        return backend
    }

    private static func readReply(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Reply {
        var reply = ConformanceCase.Reply()
        reply.headers = try fields.headers("headers") ?? []
        reply.trailers = try fields.headers("trailers") ?? []
        if let messages = try fields.json("messages") {
            guard case .array(let items) = messages else { throw fields.error("messages", "expected a list of messages") }
            reply.messages = items
        }
        for (index, node) in (try fields.list("raw_messages_base64") ?? []).enumerated() {
            guard let text = node.string, let data = Data(base64Encoded: text) else {
                throw fields.error("raw_messages_base64[\(index)]", "not valid base64")
            }
            reply.rawMessages.append([UInt8](data))
        }
        reply.delayMilliseconds = try fields.int("delay_ms") ?? 0
        guard (0...3_600_000).contains(reply.delayMilliseconds) else { throw fields.error("delay_ms", "must be from 0 to 3600000") }
        if let status = try fields.fields("status", allowed: ["code", "message", "details"]) {
            if let number = status.values["code"]?.int {
                reply.code = number
            } else if let name = try status.string("code") {
                guard let code = RPCStatus.Code(name: name) else { throw status.error("code", "not a gRPC code number or name") }
                reply.code = code.rawValue
            }
            reply.message = try status.string("message") ?? ""
            if let details = try status.json("details") {
                guard case .array(let items) = details else { throw status.error("details", "expected a list of Any messages") }
                reply.details = items
            }
        }
        return reply
    }

    private static func readResponse(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Response {
        var response = ConformanceCase.Response()
        response.status = try fields.int("status")
        response.headers = try fields.headers("headers") ?? []
        response.headersAbsent = try fields.strings("headers_absent") ?? []
        let bodies = ["body", "body_text", "ndjson", "sse", "websocket"].filter(fields.has)
        guard bodies.count <= 1 else { throw fields.error(bodies[1], "give only one of body, body_text, ndjson, sse, websocket") }
        response.body = try fields.json("body")
        response.bodyText = try fields.string("body_text")
        if let lines = try fields.json("ndjson") {
            guard case .array(let items) = lines else { throw fields.error("ndjson", "expected a list of JSON values") }
            response.ndjson = items
        }
        if let events = try fields.list("sse") {
            var parsed: [ConformanceCase.Event] = []
            for (index, node) in events.enumerated() {
                let event = try fields.item(node, of: "sse", at: index, allowed: ["event", "data"])
                guard let data = try event.json("data") else { throw event.error("data", "every event needs data") }
                parsed.append(.init(event: try event.string("event"), data: data))
            }
            response.sse = parsed
        }
        if let socket = try fields.fields("websocket", allowed: ["frames", "close", "reason"]) {
            var webSocket = ConformanceCase.WebSocketResponse()
            webSocket.frames = try frames(socket, "frames")
            webSocket.closeCode = try socket.int("close")
            webSocket.closeReason = try socket.string("reason")
            response.webSocket = webSocket
        }
        return response
    }
}
