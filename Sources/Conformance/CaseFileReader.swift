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
        do {
            try configuration.validate()
        } catch {
            throw fields.error("options", error.description)
        }
        guard let requestFields = try fields.fields("request", allowed: ["method", "path", "headers", "body", "body_text", "raw", "websocket", "http2"]) else {
            throw fields.error("request", "every case needs a request")
        }
        guard let responseFields = try fields.fields("response", allowed: ["status", "headers", "headers_absent", "body", "body_text", "ndjson", "sse", "websocket"]) else {
            throw fields.error("response", "every case needs a response")
        }
        let noBackendCall = try fields.bool("no_backend_call") ?? false
        let backend = try fields.fields("backend", allowed: ["method", "request", "requests", "metadata", "metadata_absent", "cancelled", "reply"]).map { (b) throws(CaseFileError) in try readBackend(b) }
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
            throw CaseFileError(file: fields.file, caseName: fields.caseName, field: nil, error.description)
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
}
