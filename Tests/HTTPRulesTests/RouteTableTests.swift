import Foundation
@testable import HTTPRules
import ProtoSchema
import Testing

/// Matching, precedence, 405s and conflicts of the compiled route table, over the payments
/// descriptors.
struct RouteTableTests {
    static let pool: DescriptorPool = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try! DescriptorPool(paths: [root.appendingPathComponent("proto/descriptors/payments.binpb").path])
    }()

    /// A table of `GetPayment` routes with these (method, template) pairs.
    static func table(_ patterns: [(String, String)]) throws -> RouteTable {
        let method = try #require(pool.method(named: "payments.v1.PaymentService.GetPayment"))
        let rules = patterns.enumerated().map { index, pattern in
            RuleSources.SourcedRule(rule: HttpRule(method: pattern.0, path: pattern.1), source: "rule \(index)", file: "rules.yaml", method: method)
        }
        return try RouteTable(routes: try RouteBuilder.routes(for: rules, pool: pool))
    }

    static func matched(_ table: RouteTable, _ method: String, _ path: String) -> (template: String, captures: [String])? {
        guard case .found(let route, let captures) = table.match(method: method, path: Substring(path)) else { return nil }
        return (route.template.text, captures.map(String.init))
    }

    @Test func literalBeatsVariableBeatsDoubleWildcard() throws {
        let table = try Self.table([("GET", "/v1/{name=**}"), ("GET", "/v1/{name}"), ("GET", "/v1/payments")])
        #expect(Self.matched(table, "GET", "/v1/payments")?.template == "/v1/payments")
        #expect(Self.matched(table, "GET", "/v1/other")?.template == "/v1/{name}")
        #expect(Self.matched(table, "GET", "/v1/a/b/c")?.captures == ["a/b/c"])
        #expect(Self.matched(table, "GET", "/v1/a/b/c")?.template == "/v1/{name=**}")
    }

    @Test func backtracksFromALiteralThatLeadsNowhere() throws {
        let table = try Self.table([("GET", "/v1/payments/x"), ("GET", "/v1/{name}/y")])
        #expect(Self.matched(table, "GET", "/v1/payments/y")?.captures == ["payments"])
    }

    @Test func verbsAreMatchedBeforePlainSegments() throws {
        let table = try Self.table([("POST", "/v1/{name=payments/*}:capture"), ("POST", "/v1/{name=payments/*}")])
        #expect(Self.matched(table, "POST", "/v1/payments/p1:capture")?.template == "/v1/{name=payments/*}:capture")
        #expect(Self.matched(table, "POST", "/v1/payments/p1:capture")?.captures == ["payments/p1"])
        #expect(Self.matched(table, "POST", "/v1/payments/p1:other")?.captures == ["payments/p1:other"])
    }

    @Test func unknownPathIsNotFoundAndOtherMethodIsNotAllowed() throws {
        let table = try Self.table([("GET", "/v1/{name=payments/*}"), ("DELETE", "/v1/{name=payments/*}")])
        guard case .notFound = table.match(method: "GET", path: "/v2/x") else { Issue.record("expected notFound"); return }
        guard case .methodNotAllowed(let allowed) = table.match(method: "PUT", path: "/v1/payments/p") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == ["DELETE", "GET"])
    }

    @Test func sameShapeSameMethodIsAConflictNamingBoth() {
        #expect(throws: RulesError("rule 1: GET /v1/payments/{name} conflicts with GET /v1/{name=payments/*} of rule 0")) {
            try Self.table([("GET", "/v1/{name=payments/*}"), ("GET", "/v1/payments/{name}")])
        }
    }

    @Test func customMethodsAreTheirOwnMethod() throws {
        let table = try Self.table([("SEARCH", "/v1/payments"), ("GET", "/v1/payments")])
        #expect(Self.matched(table, "SEARCH", "/v1/payments")?.template == "/v1/payments")
    }

    @Test func variableNamingNoFieldIsAnError() {
        #expect(throws: RulesError("rule 0: path variable {nope} names no field of payments.v1.GetPaymentRequest")) {
            try Self.table([("GET", "/v1/{nope}")])
        }
    }
}
