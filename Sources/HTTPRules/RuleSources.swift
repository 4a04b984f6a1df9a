import Foundation
import ProtoJSON
import ProtoSchema
import Yams

/// Collects each method's rules from the three sources, in order of precedence: a rules file,
/// the method's `google.api.http` annotation, or the default `POST /package.Service/Method`.
public enum RuleSources {
    /// The field number of the `google.api.http` extension of `google.protobuf.MethodOptions`.
    public static let httpAnnotationNumber: UInt32 = 72_295_728

    /// A rule and where it came from.
    public struct SourcedRule: Sendable {
        public var rule: HttpRule
        /// Where the rule came from, for messages: `FILE: rule N (method)`, or the .proto file.
        public var source: String
        /// The file the rule came from: a rules file, the .proto file of an annotation, or
        /// `(default)`.
        public var file: String
        public var method: MethodDescriptor
    }

    /// Every method's rule, from the given rules files (YAML) and the pool; the first problem
    /// with a rules file is thrown.
    public static func rules(pool: DescriptorPool, rulesFiles: [String]) throws(RulesError) -> [SourcedRule] {
        let (rules, problems) = try collect(pool: pool, rulesFiles: rulesFiles)
        if let problem = problems.first { throw RulesError(problem.description) }
        return rules
    }

    /// Every method's rule, and the problems of rules files (rules without or with a dangling
    /// selector) as findings; an unreadable rules file is thrown.
    public static func collect(pool: DescriptorPool, rulesFiles: [String]) throws(RulesError) -> ([SourcedRule], [Finding]) {
        var fromFiles: [String: SourcedRule] = [:]
        var problems: [Finding] = []
        for path in rulesFiles {
            for (index, rule) in try readRulesFile(path).enumerated() {
                let source = "\(path): rule \(index + 1)"
                guard let selector = rule.selector, !selector.isEmpty else {
                    problems.append(Finding(.error, file: path, method: "-", "rule \(index + 1) has no selector"))
                    continue
                }
                let methods = select(selector, in: pool)
                guard !methods.isEmpty else {
                    problems.append(Finding(.error, file: path, method: selector, "the selector names no method"))
                    continue
                }
                for method in methods where fromFiles[method.fullName] == nil || !selector.hasSuffix("*") {
                    fromFiles[method.fullName] = SourcedRule(
                        rule: rule, source: "\(source) (\(method.fullName))", file: path, method: method)
                }
            }
        }
        let codec = ProtoJSONCodec(pool: pool)
        var result: [SourcedRule] = []
        for service in pool.services {
            for method in service.methods {
                if let rule = fromFiles[method.fullName] {
                    result.append(rule)
                } else if let rule = try annotation(of: method, pool: pool, codec: codec) {
                    result.append(SourcedRule(
                        rule: rule, source: "\(service.fileName): \(method.fullName)", file: service.fileName, method: method))
                } else {
                    result.append(SourcedRule(
                        rule: HttpRule(method: "POST", path: method.path, body: "*"),
                        source: "default binding of \(method.fullName)", file: "(default)", method: method))
                }
            }
        }
        return (result, problems)
    }

    /// The methods a selector names: `package.Service.Method`, or a prefix ending in `*`.
    static func select(_ selector: String, in pool: DescriptorPool) -> [MethodDescriptor] {
        if selector.hasSuffix("*") {
            let prefix = selector.dropLast()
            return pool.services.flatMap(\.methods).filter { $0.fullName.hasPrefix(prefix) }
        }
        return pool.method(named: selector).map { [$0] } ?? []
    }

    /// The rules of one YAML file, in order.
    static func readRulesFile(_ path: String) throws(RulesError) -> [HttpRule] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RulesError("\(path): cannot read the file")
        }
        let document: HttpRulesDocument
        do {
            document = try YAMLDecoder().decode(HttpRulesDocument.self, from: text)
        } catch {
            throw RulesError("\(path): not a google.api.Service rules file: \(oneLineDescription(error))")
        }
        return document.http?.rules ?? []
    }

    /// The method's `google.api.http` option, decoded through the pool's `google.api.HttpRule`.
    static func annotation(of method: MethodDescriptor, pool: DescriptorPool, codec: ProtoJSONCodec) throws(RulesError) -> HttpRule? {
        let what = "\(method.fullName): google.api.http option"
        let fields: [Wire.Field]
        do {
            fields = try Wire.fields(of: method.optionsBytes)
        } catch {
            throw RulesError("\(what): \(error)")
        }
        guard let field = fields.last(where: { $0.number == httpAnnotationNumber && $0.wireType == .lengthDelimited }) else {
            return nil
        }
        guard let ruleType = pool.messageIndex(named: "google.api.HttpRule") else {
            throw RulesError("\(what) is set but google.api.HttpRule is not in the descriptors")
        }
        var options = JSONEncodingOptions()
        options.useProtoNames = true
        do {
            let json = try codec.json(fromBinary: Array(method.optionsBytes[field.payload]), messageIndex: ruleType, options: options)
            return try JSONDecoder().decode(HttpRule.self, from: Data(json))
        } catch {
            throw RulesError("\(what): \(error)")
        }
    }
}
