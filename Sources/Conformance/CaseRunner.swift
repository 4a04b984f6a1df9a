import Gateway
import NIOCore

/// Runs one prepared case: a fake backend, a gateway in front of it, the client's exchange,
/// then the checks of what the backend received and what the client got.
enum CaseRunner {
    /// The differences found, one line each; empty when the case passes.
    static func run(_ prepared: PreparedCase, group: EventLoopGroup) async -> [String] {
        let spec = prepared.spec
        let backend: FakeBackend
        let gateway: Gateway
        do {
            backend = try await FakeBackend.start(reply: prepared.reply, group: group)
        } catch {
            return ["the fake backend did not start: \(error)"]
        }
        var configuration = spec.configuration
        configuration.listen = "127.0.0.1:0"
        configuration.admin = "127.0.0.1:0"
        configuration.upstreams = ["*": ["http://127.0.0.1:\(backend.port)"]]
        do {
            gateway = try await Gateway.start(configuration: configuration, snapshot: prepared.snapshot, group: group)
        } catch {
            await backend.stop()
            return ["the gateway did not start: \(error)"]
        }
        let started = ContinuousClock.now
        var lines: [String]
        do {
            let transcript = try await ClientExchange.perform(
                spec.request, port: gateway.apiAddress.port ?? 0, timeout: spec.timeoutSeconds, group: group)
            lines = ResponseCheck.differences(spec.response, transcript)
        } catch let failure as CaseFailure {
            lines = [failure.description]
        } catch {
            let elapsed = ContinuousClock.now - started
            lines = [elapsed >= .seconds(spec.timeoutSeconds) ? "no complete answer within \(spec.timeoutSeconds) s" : "the exchange failed: \(error)"]
        }
        await gateway.shutdown()
        await backend.stop()
        return backendDifferences(prepared, backend.calls) + lines
    }

    /// What the backend received, against what the case says it must.
    private static func backendDifferences(_ prepared: PreparedCase, _ calls: [RecordedCall]) -> [String] {
        guard let expected = prepared.spec.backend, let path = prepared.expectedPath else {
            return calls.isEmpty ? [] : ["backend: expected no call, got \(calls.map(describe).joined(separator: ", "))"]
        }
        if expected.cancelled, calls.isEmpty { return [] }  // cancelled before the backend saw it start
        guard calls.count == 1, let call = calls.first else {
            return ["backend: expected one call to \(path), got \(calls.isEmpty ? "none" : calls.map(describe).joined(separator: ", "))"]
        }
        if call.completed == expected.cancelled {
            return [expected.cancelled
                ? "backend: expected the call to \(path) to be cancelled, got it completed"
                : "backend: expected a completed call to \(path), got one cancelled before the gateway half-closed it"]
        }
        guard call.path == path else { return ["backend.method: expected \(path), got \(call.path)"] }
        var lines: [String] = []
        if let requests = prepared.expectedRequests, let inputIndex = prepared.inputIndex, call.completed {
            let got: [JSONValue] = call.requests.map { bytes in
                guard let json = try? prepared.codec.json(fromBinary: bytes, messageIndex: inputIndex), let value = JSONValue(parsing: json) else {
                    return .string("<not a valid message: \(bytes.count) bytes>")
                }
                return value
            }
            lines += requests.count == 1 && got.count == 1
                ? jsonDifferences(expected: requests[0], got: got[0], at: "backend.request")
                : jsonDifferences(expected: .array(requests), got: .array(got), at: "backend.requests")
        }
        lines += ResponseCheck.namedValueDifferences(
            expected.metadata.map { ($0.name.lowercased(), $0.value) }, absent: expected.metadataAbsent.map { $0.lowercased() },
            values: { call.metadata[$0] }, at: "backend.metadata")
        return lines
    }

    private static func describe(_ call: RecordedCall) -> String {
        call.completed ? call.path : call.path + " (cancelled)"
    }
}
