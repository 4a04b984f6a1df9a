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
                do throws(RulesError) {
                    routes.append(try route(rule, isAdditional: index > 0, sourced.method, source: source, pool: pool))
                } catch {
                    throw RulesError("\(source): \(error.description)")
                }
            }
        }
        return routes
    }

    /// One binding as a route; the error, if any, says what is wrong without saying where.
    static func route(
        _ rule: HttpRule, isAdditional: Bool, _ method: MethodDescriptor, source: String, pool: DescriptorPool
    ) throws(RulesError) -> Route {
        if isAdditional, rule.additionalBindings?.isEmpty == false { throw RulesError("additional bindings cannot nest") }
        guard let pattern = try rule.pattern() else { throw RulesError("the rule names no HTTP method") }
        let template: PathTemplate
        do {
            template = try PathTemplate(pattern.path)
        } catch {
            throw RulesError("template \"\(pattern.path)\" does not parse at \(error)")
        }
        let request = pool.messages[method.inputIndex].fullName
        var pathBindings: [Route.PathBinding] = []
        for variable in template.variables {
            guard let field = FieldPath(variable.fieldPath, in: method.inputIndex, pool: pool) else {
                throw RulesError("path variable {\(variable.fieldPath.joined(separator: "."))} names no field of \(request)")
            }
            guard !field.leaf.isRepeated else { throw RulesError("path variable {\(field.text)} is a repeated field") }
            if field.leaf.kind == .message || field.leaf.kind == .group {
                let type = pool.messages[field.leaf.messageIndex]
                guard type.wellKnownType == .timestamp || type.wellKnownType == .duration || type.wellKnownType == .fieldMask
                    || type.wellKnownType?.isWrapper == true
                else { throw RulesError("path variable {\(field.text)} is a message (\(type.fullName)), not a scalar") }
            }
            pathBindings.append(Route.PathBinding(variable: variable, field: field))
        }
        let body: Route.Body
        switch rule.body {
        case nil, "": body = .none
        case "*": body = .whole
        case let path?:
            guard let field = FieldPath(path.split(separator: ".").map(String.init), in: method.inputIndex, pool: pool) else {
                throw RulesError("body \"\(path)\" names no field of \(request)")
            }
            guard !field.leaf.isRepeated else { throw RulesError("body \"\(path)\" is a repeated field") }
            body = .field(field)
        }
        if pattern.method == "GET" || pattern.method == "DELETE", rule.body?.isEmpty == false {
            throw RulesError("\(pattern.method) \(pattern.path) has a body; \(pattern.method) requests carry none")
        }
        var responseBody: FieldPath?
        if let path = rule.responseBody, !path.isEmpty {
            guard let field = FieldPath(path.split(separator: ".").map(String.init), in: method.outputIndex, pool: pool) else {
                throw RulesError("response_body \"\(path)\" names no field of \(pool.messages[method.outputIndex].fullName)")
            }
            guard !field.leaf.isRepeated else { throw RulesError("response_body \"\(path)\" is a repeated field") }
            responseBody = field
        }
        return Route(
            httpMethod: pattern.method, template: template, method: method, body: body, responseBody: responseBody,
            pathBindings: pathBindings, source: source)
    }
}
