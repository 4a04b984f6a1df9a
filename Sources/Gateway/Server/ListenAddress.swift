import Upstream

/// A `HOST:PORT` listen address (`[::1]:0` for IPv6); port 0 picks a free port.
struct ListenAddress: Sendable, Equatable {
    var host: String
    var port: Int

    /// Parses `HOST:PORT`; nil when malformed.
    init?(_ text: String) {
        guard let (hostPart, portPart) = UpstreamEndpoint.splitHostPort(Substring(text)), let portPart,
            !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port)
        else { return nil }
        host = String(hostPart)
        self.port = port
    }
}
