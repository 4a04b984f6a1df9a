import Foundation
import HTTPRules
import Yams

extension GatewayConfiguration {
    /// Reads a YAML configuration file; unknown keys and wrong types are errors naming the
    /// file and the key.
    public static func load(file path: String) throws(GatewayError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw GatewayError("\(path): cannot read the file")
        }
        var configuration = try decode(yaml: text, source: path)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        configuration.descriptorSets = configuration.descriptorSets.map { resolve($0, against: base) }
        configuration.httpRules = configuration.httpRules.map { resolve($0, against: base) }
        configuration.upstreamCA = configuration.upstreamCA.map { resolve($0, against: base) }
        return configuration
    }

    /// Decodes configuration YAML; unknown keys and wrong types are errors naming `source`
    /// and the key. Relative paths are left as written.
    public static func decode(yaml text: String, source path: String) throws(GatewayError) -> GatewayConfiguration {
        let tree: Any?
        do {
            tree = try Yams.load(yaml: text)
        } catch {
            throw GatewayError("\(path): not valid YAML: \(oneLineDescription(error))")
        }
        if let tree {
            guard let top = tree as? [String: Any] else { throw GatewayError("\(path): the top level must be a mapping") }
            try checkKeys(top, allowed: CodingKeys.self, path: path, prefix: "")
            if let json = top["json"] as? [String: Any] {
                try checkKeys(json, allowed: JSONOptions.CodingKeys.self, path: path, prefix: "json.")
            }
            if let methods = top["method_json"] as? [String: Any] {
                for (method, options) in methods {
                    guard let options = options as? [String: Any] else { continue }
                    try checkKeys(options, allowed: JSONOptions.CodingKeys.self, path: path, prefix: "method_json.\(method).")
                }
            }
            if let limits = top["limits"] as? [String: Any] {
                try checkKeys(limits, allowed: Limits.CodingKeys.self, path: path, prefix: "limits.")
            }
            if let websocket = top["websocket"] as? [String: Any] {
                try checkKeys(websocket, allowed: WebSocketOptions.CodingKeys.self, path: path, prefix: "websocket.")
            }
        }
        do {
            return try YAMLDecoder().decode(GatewayConfiguration.self, from: text)
        } catch let error as DecodingError {
            throw GatewayError("\(path): \(describe(error))")
        } catch {
            throw GatewayError("\(path): \(error)")
        }
    }

    /// `path` as written in a file in `base`: absolute paths stay, relative ones join `base`.
    public static func resolve(_ path: String, against base: URL) -> String {
        path.hasPrefix("/") ? path : base.appendingPathComponent(path).path
    }

    private static func checkKeys<Keys: CodingKey & RawRepresentable>(
        _ mapping: [String: Any], allowed: Keys.Type, path: String, prefix: String
    ) throws(GatewayError) where Keys.RawValue == String {
        for key in mapping.keys.sorted() where Keys(rawValue: key) == nil {
            throw GatewayError("\(path): unknown key \(prefix)\(key)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func keyPath(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "key \(keyPath(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "key \(keyPath(context)): missing \(type)"
        case .keyNotFound(let key, let context): return "key \(keyPath(context)).\(key.stringValue) is missing"
        case .dataCorrupted(let context): return "key \(keyPath(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// The longest time any option may name.
    static let maxSeconds = 31_536_000.0

    /// Checks values that decoding cannot: addresses, upstream URLs, positive limits.
    public func validate() throws(GatewayError) {
        guard ListenAddress(listen) != nil else { throw GatewayError("listen: \(listen) is not HOST:PORT") }
        guard ListenAddress(admin) != nil else { throw GatewayError("admin: \(admin) is not HOST:PORT") }
        guard !descriptorSets.isEmpty else { throw GatewayError("no descriptor set: give --descriptor-set FILE or descriptor_sets") }
        let counts = [
            ("limits.max_body_bytes", limits.maxBodyBytes), ("limits.max_path_bytes", limits.maxPathBytes),
            ("limits.max_response_message_bytes", limits.maxResponseMessageBytes), ("limits.max_json_depth", limits.maxJSONDepth),
            ("websocket.max_message_bytes", websocket.maxMessageBytes), ("websocket.buffer_messages", websocket.bufferMessages),
            ("websocket.buffer_bytes", websocket.bufferBytes),
        ]
        for (key, value) in counts where value <= 0 { throw GatewayError("\(key) must be positive") }
        let seconds = [
            ("limits.idle_timeout_seconds", limits.idleTimeoutSeconds), ("limits.request_read_timeout_seconds", limits.requestReadTimeoutSeconds),
            ("websocket.ping_interval_seconds", websocket.pingIntervalSeconds), ("websocket.idle_timeout_seconds", websocket.idleTimeoutSeconds),
            ("websocket.slow_client_seconds", websocket.slowClientSeconds),
        ] + timeouts.sorted { $0.key < $1.key }.map { ("timeouts.\($0.key)", $0.value) }
        for (key, value) in seconds where !(value > 0 && value <= Self.maxSeconds) {
            throw GatewayError("\(key) must be positive and at most \(Int(Self.maxSeconds)) seconds (a year)")
        }
        guard limits.drainSeconds >= 0, limits.drainSeconds <= Self.maxSeconds else {
            throw GatewayError("limits.drain_seconds must be from 0 to \(Int(Self.maxSeconds)) seconds (a year)")
        }
    }
}
