@testable import HTTPRules
import Testing

/// The google.api.http template grammar, accepted and rejected forms.
struct PathTemplateTests {
    @Test func parsesLiteralsWildcardsVariablesAndVerb() throws {
        let template = try PathTemplate("/v1/{name=projects/*/payments/**}:cancel")
        #expect(template.segments == [.literal("v1"), .literal("projects"), .wildcard, .literal("payments"), .doubleWildcard])
        #expect(template.variables == [PathTemplate.Variable(fieldPath: ["name"], start: 1, end: 5)])
        #expect(template.verb == "cancel")
    }

    @Test func bareVariableIsOneSegment() throws {
        let template = try PathTemplate("/v1/payments/{payment.id}")
        #expect(template.segments == [.literal("v1"), .literal("payments"), .wildcard])
        #expect(template.variables == [PathTemplate.Variable(fieldPath: ["payment", "id"], start: 2, end: 3)])
        #expect(template.verb == nil)
    }

    @Test(arguments: [
        ("v1/payments", 1, "a template must start with '/'"),
        ("/v1/{name", 10, "expected '}'"),
        ("/v1/{=a}", 6, "expected a field name"),
        ("/v1/{a={b}}", 8, "variables cannot nest"),
        ("/v1/**/x", 5, "'**' must be the last segment"),
        ("/v1/*/**/{a=**}", 7, "'**' must be the last segment"),
        ("/v1/x:", 7, "expected a verb after ':'"),
        ("/v1/:", 5, "unexpected ':'"),
        ("/v1//x", 5, "unexpected '/'"),
        ("/v1/a b", 6, "unexpected ' '"),
    ])
    func rejectsMalformedTemplates(text: String, column: Int, reason: String) {
        #expect(throws: TemplateError(column: column, reason: reason)) { try PathTemplate(text) }
    }
}

/// Percent-decoding of captures and query components.
struct PercentDecodingTests {
    @Test func decodesFullyOrKeepingSlashes() {
        #expect(PercentDecoding.decode("a%2Fb%20c") == "a/b c")
        #expect(PercentDecoding.decode("a%2Fb%20c", keepingEncodedSlashes: true) == "a%2Fb c")
        #expect(PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(PercentDecoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentDecoding.decode("a+b") == "a+b")
    }

    @Test(arguments: ["%", "%2", "%zz", "%C3"])
    func rejectsMalformedEscapes(text: String) {
        #expect(PercentDecoding.decode(Substring(text)) == nil)
    }
}
