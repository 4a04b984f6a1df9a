@testable import Conformance
import Testing

/// The runner's reading of HTTP/1.1 answers: lengths, chunks, interim answers, and what a
/// broken or hostile server could send.
struct HTTPAnswerTests {
    private func parse(_ text: String, ended: Bool = false, bodyless: Bool = false) throws(CaseFailure) -> (HTTPAnswer, consumed: Int)? {
        try HTTPAnswer.parse(Array(text.utf8), ended: ended, bodyless: bodyless)
    }

    @Test func readsContentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhiEXTRA"
        let (answer, consumed) = try #require(try parse(text))
        #expect(answer.status == 200)
        #expect(answer.values("x-a") == ["b"])
        #expect(answer.body == Array("hi".utf8))
        #expect(consumed == text.utf8.count - 5)
    }

    @Test func waitsForTheWholeBody() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi") == nil)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Le") == nil)
    }

    @Test func readsChunksWithExtensionsAndTrailers() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n"
        let (answer, consumed) = try #require(try parse(text))
        #expect(answer.body == Array("abc0123456789".utf8))
        #expect(consumed == text.utf8.count)
    }

    @Test func aBodyWithNoLengthEndsWithTheConnection() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\n\r\npartial") == nil)
        let (answer, _) = try #require(try parse("HTTP/1.1 200 OK\r\n\r\nall", ended: true))
        #expect(answer.body == Array("all".utf8))
    }

    @Test func skipsInterimAnswersButNotSwitchingProtocols() throws {
        let (answer, _) = try #require(try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
        #expect(answer.status == 204)
        let (upgrade, consumed) = try #require(try parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u{81}\u{0}"))
        #expect(upgrade.status == 101)
        #expect(consumed == 56)
    }

    @Test func headAnswersHaveNoBody() throws {
        let (answer, consumed) = try #require(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", bodyless: true))
        #expect(answer.body.isEmpty)
        #expect(consumed == 39)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad content-length \"-1\""),
        ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", "bad content-length \"+5\""),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "bad content-length \"99999999999999999999\""),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n", "bad chunk size \"-1\""),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n", "bad chunk size \"7fffffffffffffff\""),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n", "a chunk of 2 bytes is not followed by CRLF"),
        ("SPDY/3 200 OK\r\n\r\n", "not an HTTP/1.1 status line: \"SPDY/3 200 OK\""),
        ("HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.1 status line: \"HTTP/1.1 2000 OK\""),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "malformed header line: \"no colon\""),
    ])
    func refusesWhatNoServerMaySend(text: String, reason: String) {
        #expect(throws: CaseFailure.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.description == reason)
        }
    }
}
