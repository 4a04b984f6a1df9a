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
    @Test func decodesFullyOrKeepingSlashes() throws {
        #expect(try PercentDecoding.decode("a%2Fb%20c") == "a/b c")
        #expect(try PercentDecoding.decode("a%2Fb%20c", keepingEncodedSlashes: true) == "a%2Fb c")
        #expect(try PercentDecoding.decode("caf%C3%A9") == "café")
        #expect(try PercentDecoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(try PercentDecoding.decode("a+b") == "a+b")
    }

    @Test(arguments: ["%", "%2", "%zz", "a%G1b", "%%41"])
    func rejectsMalformedEscapes(text: String) {
        #expect(throws: PercentDecoding.Failure.malformedEscape) { try PercentDecoding.decode(Substring(text)) }
        #expect(!PercentDecoding.isWellFormed(Substring(text)))
    }

    @Test(arguments: ["%C3", "%FF", "a%C3%28"])
    func rejectsBytesThatAreNotUTF8(text: String) {
        #expect(throws: PercentDecoding.Failure.notUTF8) { try PercentDecoding.decode(Substring(text)) }
        #expect(PercentDecoding.isWellFormed(Substring(text)))
    }

    @Test func decodesLenientlyForGRPCMessages() {
        #expect(PercentDecoding.decodeLeniently("bad %ZZ and %E2%9C%93 %4") == "bad %ZZ and ✓ %4")
        #expect(PercentDecoding.decodeLeniently("100%") == "100%")
        #expect(PercentDecoding.decodeLeniently("%FF!") == "\u{FFFD}!")
    }
}
