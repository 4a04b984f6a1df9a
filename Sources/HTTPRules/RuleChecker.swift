import ProtoSchema

/// Lints descriptors and rules before deployment: every problem that stops `darwaza serve`
/// (as an error), and advice (as a warning): rules that overlap (with a path both match), a
/// field bound by both the path and the body, streaming methods a browser cannot reach, and
/// custom methods only HTTP/2 can carry.
public enum RuleChecker {
    /// Every finding, errors first in rule order, then overlaps.
    public static func check(pool: DescriptorPool, rulesFiles: [String]) throws(RulesError) -> [Finding] {
        let (rules, problems) = try RuleSources.collect(pool: pool, rulesFiles: rulesFiles)
        var findings = problems
        var built: [(route: Route, file: String)] = []
        for sourced in rules {
            for binding in RouteBuilder.bindings(of: sourced) {
                do {
                    let route = try RouteBuilder.route(binding.rule, isAdditional: binding.isAdditional, sourced.method, source: binding.source, pool: pool)
                    built.append((route, sourced.file))
                    findings += boundTwice(route, file: sourced.file)
                } catch {
                    findings.append(Finding(.error, file: sourced.file, method: sourced.method.fullName, error.description))
                }
            }
        }
        findings += overlaps(built)
        findings += unreachableStreams(built)
        findings += http2OnlyMethods(built)
        return findings
    }

    /// The request methods the HTTP/1.1 parser accepts (HTTP's own, WebDAV's and a few more).
    static let http1Methods: Set<String> = [
        "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
        "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY",
        "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR",
        "LINK", "UNLINK", "SOURCE", "QUERY",
    ]

    /// Custom methods that HTTP/1.1 clients cannot use: only HTTP/2 reaches them.
    private static func http2OnlyMethods(_ routes: [(route: Route, file: String)]) -> [Finding] {
        routes.filter { !http1Methods.contains($0.route.httpMethod) }.map { entry in
            Finding(.warning, file: entry.file, method: entry.route.method.fullName,
                    "custom method \(entry.route.httpMethod) reaches \(entry.route.template) over HTTP/2 only; HTTP/1.1 accepts only registered methods such as GET, POST, SEARCH or PURGE")
        }
    }

    /// A path variable inside the field that is the body: the path's value wins.
    private static func boundTwice(_ route: Route, file: String) -> [Finding] {
        guard case .field(let body) = route.body else { return [] }
        return route.pathBindings.filter { $0.field.names.starts(with: body.names) }.map { binding in
            Finding(.warning, file: file, method: route.method.fullName,
                    "field \(binding.field.text) is bound by both the path and the body (the path's value wins)")
        }
    }

    /// Pairs of routes with the same HTTP method and verb that can match one path: an error
    /// when their shapes are the same, a warning (precedence decides) otherwise.
    private static func overlaps(_ routes: [(route: Route, file: String)]) -> [Finding] {
        var findings: [Finding] = []
        for i in routes.indices {
            for j in routes.indices where j > i {
                let (a, b) = (routes[i].route, routes[j].route)
                guard a.httpMethod == b.httpMethod, a.template.verb == b.template.verb,
                    let example = examplePath(a.template, b.template)
                else { continue }
                let same = a.template.segments == b.template.segments
                findings.append(Finding(
                    same ? .error : .warning, file: routes[j].file, method: b.method.fullName,
                    "\(b.httpMethod) \(b.template) \(same ? "conflicts with" : "overlaps") \(a.httpMethod) \(a.template) of \(a.method.fullName); both match \(example)"))
            }
        }
        return findings
    }

    /// A streaming method bound to a non-GET route whose path a GET route of a unary method
    /// also matches: a browser's WebSocket upgrade or EventSource (always GET) reaches the other.
    private static func unreachableStreams(_ routes: [(route: Route, file: String)]) -> [Finding] {
        let unaryGets = routes.map(\.route).filter {
            $0.httpMethod == "GET" && !($0.method.serverStreaming || $0.method.clientStreaming)
        }
        return routes.compactMap { entry in
            let route = entry.route
            guard route.method.serverStreaming || route.method.clientStreaming, route.httpMethod != "GET" else { return nil }
            for other in unaryGets where other.template.verb == route.template.verb {
                if let example = examplePath(route.template, other.template) {
                    return Finding(.warning, file: entry.file, method: route.method.fullName,
                                   "a browser cannot reach this stream: GET \(example) goes to \(other.method.fullName)")
                }
            }
            return nil
        }
    }

    /// A path that both templates match, or nil when none does.
    static func examplePath(_ a: PathTemplate, _ b: PathTemplate) -> String? {
        guard a.verb == b.verb, let segments = common(a.segments[...], b.segments[...]) else { return nil }
        return "/" + segments.joined(separator: "/") + (a.verb.map { ":" + $0 } ?? "")
    }

    private static func common(_ a: ArraySlice<PathTemplate.Segment>, _ b: ArraySlice<PathTemplate.Segment>) -> [String]? {
        switch (a.first, b.first) {
        case (nil, nil): return []
        case (.doubleWildcard, _): return b.map(sample)
        case (_, .doubleWildcard): return a.map(sample)
        case (nil, _), (_, nil): return nil
        case (.literal(let x)?, .literal(let y)?) where x != y: return nil
        case (let x?, let y?):
            guard let rest = common(a.dropFirst(), b.dropFirst()) else { return nil }
            if case .literal(let text) = x { return [text] + rest }
            return [sample(y)] + rest
        }
    }

    private static func sample(_ segment: PathTemplate.Segment) -> String {
        if case .literal(let text) = segment { return text }
        return "x"
    }
}
