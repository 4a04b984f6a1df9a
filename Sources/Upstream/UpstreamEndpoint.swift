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
        var authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.contains("/"), !authority.isEmpty else { return nil }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {  // [::1]:50051
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            authority = authority[authority.index(after: close)...]
            if authority.hasPrefix(":") { portPart = authority.dropFirst() } else if !authority.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { return nil }
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
}
