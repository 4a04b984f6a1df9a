import Transcoding
import Yams

/// Reading `backend:` and its canned reply.
extension CaseFileReader {
    /// The call the backend must receive, and its reply.
    static func readBackend(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Backend {
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
        backend.cancelled = try fields.bool("cancelled") ?? false
        if let reply = try fields.fields("reply", allowed: ["headers", "messages", "raw_messages_base64", "status", "trailers", "delay_ms"]) {
            backend.reply = try readReply(reply)
        }
        return backend
    }

    /// A canned reply; by default one empty message and OK.
    static func readReply(_ fields: YAMLFields) throws(CaseFileError) -> ConformanceCase.Reply {
        var reply = ConformanceCase.Reply()
        reply.headers = try fields.headers("headers") ?? []
        reply.trailers = try fields.headers("trailers") ?? []
        if let messages = try fields.json("messages") {
            guard case .array(let items) = messages else { throw fields.error("messages", "expected a list of messages") }
            reply.messages = items
        }
        reply.rawMessages = try fields.base64List("raw_messages_base64") ?? []
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
}
