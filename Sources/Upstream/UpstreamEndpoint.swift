/// A backend address from a `--upstream` URL: `http://host:port` (h2c with prior knowledge)
/// or `https://host:port` (TLS with ALPN `h2`).
public struct UpstreamEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let useTLS: Bool
    /// The `:scheme` of calls here.
    public let scheme: String
    /// The `:authority` of calls here: the host, and the port unless it is the scheme's own.
    public let authority: String

    public var description: String { scheme + "://" + host + ":" + String(port) }

    /// Parses a URL; nil when it is not `http(s)://host:port` with an optional trailing slash.
    public init?(url: String) {
        let rest: Substring
        if url.hasPrefix("http://") {
            useTLS = false
            rest = url.dropFirst(7)
        } else if url.hasPrefix("https://") {
            useTLS = true
            rest = url.dropFirst(8)
        } else {
            return nil
        }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.contains("/"), let (hostPart, portPart) = Self.splitHostPort(authority), !hostPart.isEmpty else { return nil }
        host = String(hostPart)
        if let portPart {
            guard let port = Int(portPart), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            port = useTLS ? 443 : 80
        }
        scheme = useTLS ? "https" : "http"
        self.authority = port == (useTLS ? 443 : 80) ? host : "\(host):\(port)"
    }

    /// Splits `host`, `host:port` or `[v6 address]:port` (the port text nil when there is
    /// none); nil for an unclosed bracket or anything but `:port` after it.
    public static func splitHostPort(_ text: Substring) -> (host: Substring, port: Substring?)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            return rest.hasPrefix(":") ? (host, rest.dropFirst()) : nil
        }
        guard let colon = text.lastIndex(of: ":") else { return (text, nil) }
        return (text[..<colon], text[text.index(after: colon)...])
    }
}
