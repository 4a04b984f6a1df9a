import ProtoSchema

/// Turns rules into routes: parses templates, resolves variables, `body` and `response_body`
/// against the request and response messages, and expands additional bindings.
public enum RouteBuilder {
    /// The routes of every rule, checked; the first problem is thrown naming its source.
    public static func routes(for rules: [RuleSources.SourcedRule], pool: DescriptorPool) throws(RulesError) -> [Route] {
        var routes: [Route] = []
        for sourced in rules {
            for binding in bindings(of: sourced) {
                do throws(RulesError) {
                    routes.append(try route(binding.rule, isAdditional: binding.isAdditional, sourced.method, source: binding.source, pool: pool))
                } catch {
                    throw RulesError("\(binding.source): \(error.description)")
                }
            }
        }
        return routes
    }

    /// A rule and its additional bindings, each with the source it is reported under.
    static func bindings(of sourced: RuleSources.SourcedRule) -> [(rule: HttpRule, isAdditional: Bool, source: String)] {
        ([sourced.rule] + (sourced.rule.additionalBindings ?? [])).enumerated().map { index, rule in
            (rule, index > 0, index == 0 ? sourced.source : "\(sourced.source), additional binding \(index)")
        }
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
                guard type.wellKnownType?.hasScalarForm == true else {
                    throw RulesError("path variable {\(field.text)} is a message (\(type.fullName)), not a scalar")
                }
            }
            pathBindings.append(Route.PathBinding(variable: variable, field: field))
        }
        let body: Route.Body
        switch rule.body {
        case nil, "": body = .none
        case "*": body = .whole
        case let path?: body = .field(try singularField(path, label: "body", in: method.inputIndex, pool: pool))
        }
        if pattern.method == "GET" || pattern.method == "DELETE", rule.body?.isEmpty == false {
            throw RulesError("\(pattern.method) \(pattern.path) has a body; \(pattern.method) requests carry none")
        }
        var responseBody: FieldPath?
        if let path = rule.responseBody, !path.isEmpty {
            responseBody = try singularField(path, label: "response_body", in: method.outputIndex, pool: pool)
        }
        return Route(
            httpMethod: pattern.method, template: template, method: method, body: body, responseBody: responseBody,
            pathBindings: pathBindings, source: source)
    }

    /// The field a `body` or `response_body` names: it must exist and not be repeated.
    private static func singularField(_ path: String, label: String, in messageIndex: Int, pool: DescriptorPool) throws(RulesError) -> FieldPath {
        guard let field = FieldPath(path.split(separator: ".").map(String.init), in: messageIndex, pool: pool) else {
            throw RulesError("\(label) \"\(path)\" names no field of \(pool.messages[messageIndex].fullName)")
        }
        guard !field.leaf.isRepeated else { throw RulesError("\(label) \"\(path)\" is a repeated field") }
        return field
    }
}
