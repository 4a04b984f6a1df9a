@testable import Conformance
import Testing
import Yams

/// The runner's JSON values: a strict parser that keeps number literals, comparison by value,
/// and the JSON a YAML node spells.
struct JSONValueTests {
    private func parse(_ text: String) -> JSONValue? { JSONValue(parsing: Array(text.utf8)) }

    @Test func parsesAndPrintsCompactly() throws {
        let value = try #require(parse(#" {"b": [1, -2.5e3, true, null], "a": "x\"\u00e9\ud83d\ude00"} "#))
        #expect(value.text == #"{"a":"x\"é😀","b":[1,-2.5e3,true,null]}"#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "+1", "NaN", "'a'", "\"\u{1}\"", "\"\\x\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\u+041\"", "{\"a\":1,\"a\":2}", "1 2", "tru", "nul",
    ])
    func refusesWhatIsNotOneJSONValue(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func numbersCompareByValueAndKeepEveryDigit() throws {
        #expect(parse("1.0") == parse("1"))
        #expect(parse("1e2") == parse("100"))
        #expect(parse("-0") != parse("0"))
        #expect(parse("-0.0") == parse("-0"))
        #expect(parse("18446744073709551615") != parse("18446744073709551614"))
        #expect(parse("9007199254740993") != parse("9007199254740992"))
    }

    @Test func stringsCompareByTheirBytes() {
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
    }

    @Test func readsYAMLAsJSON() throws {
        let node = try #require(try Yams.compose(yaml: #"{a: 1, b: "1", c: true, d: ~, e: [x, 2.5], f: 18446744073709551615}"#))
        let value = try #require(JSONValue(yaml: node))
        #expect(value.text == #"{"a":1,"b":"1","c":true,"d":null,"e":["x",2.5],"f":18446744073709551615}"#)
    }

    @Test(arguments: ["yes", "off", "True", "010", "0x1F", "1_000", ".inf", "0o17"])
    func refusesYAMLSpellingsReadersDisagreeOn(text: String) throws {
        let node = try #require(try Yams.compose(yaml: "{a: \(text)}"))
        let quoted = try #require(try Yams.compose(yaml: "{a: \"\(text)\"}"))
        #expect(JSONValue(yaml: node) == nil)
        #expect(JSONValue(yaml: quoted) == .object(["a": .string(text)]))
    }

    @Test func differencesAreLocatedByPath() throws {
        let expected = try #require(parse(#"{"a": {"b": [1, 2]}, "c": "x"}"#))
        let got = try #require(parse(#"{"a": {"b": [1, 3, 4]}, "d": null}"#))
        #expect(jsonDifferences(expected: expected, got: got, at: "body") == [
            "body.a.b[1]: expected 2, got 3",
            "body.a.b[2]: expected nothing, got 4",
            #"body.c: expected "x", got nothing"#,
            "body.d: expected nothing, got null",
        ])
    }
}
