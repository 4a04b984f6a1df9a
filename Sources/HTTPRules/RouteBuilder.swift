import ProtoSchema

/// Turns rules into routes: parses templates, resolves variables, `body` and `response_body`
/// against the request and response messages, and expands additional bindings.
public enum RouteBuilder {
    /// The routes of every rule, checked; the first problem is thrown naming its source.
    public static func routes(for rules: [RuleSources.SourcedRule], pool: DescriptorPool) throws(RulesError) -> [Route] {
        var routes: [Route] = []
        for sourced in rules {
            let bindings = [sourced.rule] + (sourced.rule.additionalBindings ?? [])
            for (index, rule) in bindings.enumerated() {
                let source = index == 0 ? sourced.source : "\(sourced.source), additional binding \(index)"
                if index > 0, rule.additionalBindings?.isEmpty == false {
                    throw RulesError("\(source): additional bindings cannot nest")
                }
                guard let pattern = try rule.pattern() else { throw RulesError("\(source): the rule names no HTTP method") }
                routes.append(try route(rule, pattern, sourced.method, source: source, pool: pool))
            }
        }
        return routes
    }

    static func route(
        _ rule: HttpRule, _ pattern: (method: String, path: String), _ method: MethodDescriptor, source: String,
        pool: DescriptorPool
    ) throws(RulesError) -> Route {
        let template: PathTemplate
        do {
            template = try PathTemplate(pattern.path)
        } catch {
            throw RulesError("\(source): template \"\(pattern.path)\" does not parse at \(error)")
        }
        var pathBindings: [Route.PathBinding] = []
        for variable in template.variables {
            guard let field = FieldPath(variable.fieldPath, in: method.inputIndex, pool: pool) else {
                throw RulesError("\(source): path variable {\(variable.fieldPath.joined(separator: "."))} names no field of \(pool.messages[method.inputIndex].fullName)")
            }
            guard !field.leaf.isRepeated else {
                throw RulesError("\(source): path variable {\(field.text)} is a repeated field")
            }
            pathBindings.append(Route.PathBinding(variable: variable, field: field))
        }
        let body: Route.Body
        switch rule.body {
        case nil, "": body = .none
        case "*": body = .whole
        case let path?:
            guard let field = FieldPath(path.split(separator: ".").map(String.init), in: method.inputIndex, pool: pool) else {
                throw RulesError("\(source): body \"\(path)\" names no field of \(pool.messages[method.inputIndex].fullName)")
            }
            body = .field(field)
        }
        var responseBody: FieldPath?
        if let path = rule.responseBody, !path.isEmpty {
            guard let field = FieldPath(path.split(separator: ".").map(String.init), in: method.outputIndex, pool: pool) else {
                throw RulesError("\(source): response_body \"\(path)\" names no field of \(pool.messages[method.outputIndex].fullName)")
            }
            responseBody = field
        }
        return Route(
            httpMethod: pattern.method, template: template, method: method, body: body, responseBody: responseBody,
            pathBindings: pathBindings, source: source)
    }
}
