/// The compiled matcher: a trie over path segments whose literal children are found by hash,
/// so matching costs the same however many routes share a literal prefix. Precedence is by
/// specificity, never by order: a literal segment beats `*`, and `*` beats `**`; a verb route is
/// tried before the same path without a verb.
public struct RouteTable: Sendable {
    /// The outcome of matching a request.
    public enum Match: Sendable {
        /// A route, and the raw (still percent-encoded) text each path variable captured.
        case found(Route, captures: [Substring])
        /// The path is known, but not for this method; the methods it is known for.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private struct Node: Sendable {
        var literals: [Substring: Int] = [:]
        var wildcard = -1
        var doubleWildcard = -1
        /// Route indices by HTTP method and verb.
        var terminals: [Terminal: Int] = [:]
    }

    /// What a path's end is matched by besides its segments: the HTTP method and the verb.
    private struct Terminal: Hashable, Sendable {
        var method: String
        var verb: String?
    }

    /// Every route, in the order given.
    public let routes: [Route]
    private let nodes: [Node]
    private let methods: [String]

    /// Compiles routes; two routes with the same method, verb and segment shape conflict.
    public init(routes: [Route]) throws(RulesError) {
        var nodes = [Node()]
        var methods: Set<String> = []
        for (routeIndex, route) in routes.enumerated() {
            var current = 0
            for segment in route.template.segments {
                switch segment {
                case .literal(let text):
                    if let next = nodes[current].literals[Substring(text)] {
                        current = next
                    } else {
                        nodes.append(Node())
                        nodes[current].literals[Substring(text)] = nodes.count - 1
                        current = nodes.count - 1
                    }
                case .wildcard:
                    if nodes[current].wildcard < 0 {
                        nodes.append(Node())
                        nodes[current].wildcard = nodes.count - 1
                    }
                    current = nodes[current].wildcard
                case .doubleWildcard:
                    if nodes[current].doubleWildcard < 0 {
                        nodes.append(Node())
                        nodes[current].doubleWildcard = nodes.count - 1
                    }
                    current = nodes[current].doubleWildcard
                }
            }
            let key = Terminal(method: route.httpMethod, verb: route.template.verb)
            if let other = nodes[current].terminals[key] {
                throw RulesError(
                    "\(route.source): \(route.httpMethod) \(route.template) conflicts with \(routes[other].httpMethod) \(routes[other].template) of \(routes[other].source)")
            }
            nodes[current].terminals[key] = routeIndex
            methods.insert(route.httpMethod)
        }
        self.routes = routes
        self.nodes = nodes
        self.methods = methods.sorted()
    }


    /// Matches a request path (without query) for an HTTP method.
    public func match(method: String, path: Substring) -> Match {
        guard path.first == "/" else { return .notFound }
        var segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if segments.count == 1, segments[0].isEmpty { segments = [] }
        if let found = find(method, segments) { return found }
        let allowed = methods.filter { $0 != method && find($0, segments) != nil }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private func find(_ method: String, _ segments: [Substring]) -> Match? {
        // A last segment `name:verb` is first read as a verb call, then as a plain segment.
        if let last = segments.last, let colon = last.lastIndex(of: ":") {
            var withoutVerb = segments
            withoutVerb[withoutVerb.count - 1] = last[..<colon]
            let verb = String(last[last.index(after: colon)...])
            if let routeIndex = search(0, withoutVerb, 0, Terminal(method: method, verb: verb)) {
                return found(routeIndex, withoutVerb)
            }
        }
        if let routeIndex = search(0, segments, 0, Terminal(method: method, verb: nil)) { return found(routeIndex, segments) }
        return nil
    }

    private func search(_ node: Int, _ segments: [Substring], _ position: Int, _ key: Terminal) -> Int? {
        let current = nodes[node]
        if position == segments.count {
            if let route = current.terminals[key] { return route }
        } else {
            if let next = current.literals[segments[position]], let route = search(next, segments, position + 1, key) {
                return route
            }
            if current.wildcard >= 0, let route = search(current.wildcard, segments, position + 1, key) {
                return route
            }
        }
        if current.doubleWildcard >= 0 { return nodes[current.doubleWildcard].terminals[key] }
        return nil
    }

    private func found(_ routeIndex: Int, _ segments: [Substring]) -> Match {
        let route = routes[routeIndex]
        let captures = route.pathBindings.map { binding -> Substring in
            let variable = binding.variable
            let end = variable.end == route.template.segments.count && route.template.endsWithDoubleWildcard
                ? segments.count : variable.end
            guard variable.start < end else { return "" }
            let first = segments[variable.start]
            let last = segments[end - 1]
            return first.base[first.startIndex..<last.endIndex]
        }
        return .found(route, captures: captures)
    }
}
