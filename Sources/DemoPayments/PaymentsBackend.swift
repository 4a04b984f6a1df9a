import Foundation
import LoopbackGRPC
import NIOCore
import ProtoJSON
import ProtoSchema
import Transcoding

/// The demo's `payments.v1.PaymentService`: a real gRPC service whose messages are handled as
/// JSON through the dynamic codec. Payments move CREATED -> AUTHORIZED by themselves, CAPTURED
/// on request -> SETTLED by themselves, and REFUNDED on request; `WatchPayment` streams each change.
public final class PaymentsBackend: Sendable {
    private static let service = "/payments.v1.PaymentService/"
    private let codec: ProtoJSONCodec
    private let store = PaymentStore()
    private let authorizeDelay: TimeAmount
    private let settleDelay: TimeAmount

    /// A backend over a pool holding `payments.v1` and `google.rpc`.
    public init(pool: DescriptorPool, authorizeDelay: TimeAmount = .milliseconds(800), settleDelay: TimeAmount = .milliseconds(1500)) {
        codec = ProtoJSONCodec(pool: pool)
        self.authorizeDelay = authorizeDelay
        self.settleDelay = settleDelay
    }

    /// Answers one call.
    public func handle(path: String, requests: [[UInt8]], writer: GRPCResponseWriter) {
        guard path.hasPrefix(Self.service), let method = Method(rawValue: String(path.dropFirst(Self.service.count))) else {
            return writer.finish(RPCStatus(.unimplemented, "unknown method \(path)"))
        }
        guard let requestBytes = requests.first,
            let request = decode(requestBytes, as: "payments.v1.\(method.rawValue)Request")
        else {
            return writer.finish(RPCStatus(.invalidArgument, "the request is not a valid \(method.rawValue)Request"))
        }
        switch method {
        case .CreatePayment: create(request, writer)
        case .GetPayment: get(request, writer)
        case .ListPayments: list(request, writer)
        case .CapturePayment: capture(request, writer)
        case .RefundPayment: refund(request, writer)
        case .WatchPayment: watch(request, writer)
        }
    }

    private enum Method: String {
        case CreatePayment, GetPayment, ListPayments, CapturePayment, RefundPayment, WatchPayment
    }

    // MARK: Methods

    private func create(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let payment = request["payment"] as? [String: Any] ?? [:]
        let amount = payment["amount"] as? [String: Any] ?? [:]
        let units = Int64(amount["units"] as? String ?? "") ?? (amount["units"] as? NSNumber)?.int64Value ?? 0
        let currency = amount["currencyCode"] as? String ?? ""
        var violations: [[String: String]] = []
        if units <= 0 { violations.append(["field": "payment.amount.units", "description": "must be positive"]) }
        if currency.count != 3 { violations.append(["field": "payment.amount.currency_code", "description": "must be an ISO 4217 code"]) }
        guard violations.isEmpty else {
            return writer.finish(status(.invalidArgument, "invalid payment", detail: ("google.rpc.BadRequest", ["fieldViolations": violations])))
        }
        let fields = (try? JSONSerialization.data(withJSONObject: payment)).map(Array.init) ?? Array("{}".utf8)
        let record = store.create(clientFields: fields)
        reply(record, writer)
        let store = self.store
        let name = record.name
        writer.eventLoop.scheduleTask(in: authorizeDelay) {
            _ = store.transition(name, to: "AUTHORIZED", reason: "card authorized", allowed: { $0 == "CREATED" })
        }
    }

    private func get(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let name = request["name"] as? String ?? ""
        guard let record = store.get(name) else { return writer.finish(notFound(name)) }
        reply(record, writer)
    }

    private func list(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let size = min(100, max(1, (request["pageSize"] as? NSNumber)?.intValue ?? 10))
        let token = request["pageToken"] as? String ?? ""
        guard token.isEmpty || (token.hasPrefix("offset-") && Int(token.dropFirst(7)) != nil) else {
            return writer.finish(RPCStatus(.invalidArgument, "page_token \(token) is not a token this service issued"))
        }
        let offset = Int(token.dropFirst(7)) ?? 0
        let status = (request["status"] as? String).flatMap { $0 == "UNSPECIFIED" ? nil : $0 }
        let (page, total) = store.list(status: status, offset: offset, limit: size)
        var object: [String: Any] = [
            "payments": page.compactMap { try? JSONSerialization.jsonObject(with: Data($0.json())) }, "totalSize": total,
        ]
        if offset + page.count < total { object["nextPageToken"] = "offset-\(offset + page.count)" }
        send(object, as: "payments.v1.ListPaymentsResponse", writer)
        writer.finish(RPCStatus(.ok, ""))
    }

    private func capture(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let name = request["name"] as? String ?? ""
        let expected = Int(request["expectedVersion"] as? String ?? "") ?? 0
        let result = store.transition(name, to: "CAPTURED", reason: "captured", expectedVersion: expected, allowed: { $0 == "AUTHORIZED" })
        guard answer(result, name, wanted: "AUTHORIZED", writer) else { return }
        let store = self.store
        writer.eventLoop.scheduleTask(in: settleDelay) {
            _ = store.transition(name, to: "SETTLED", reason: "funds settled", allowed: { $0 == "CAPTURED" })
        }
    }

    private func refund(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let name = request["name"] as? String ?? ""
        let reason = request["reason"] as? String ?? "refunded"
        let amount = request["amount"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map(Array.init)
        let result = store.transition(name, to: "REFUNDED", reason: reason, allowed: { $0 == "CAPTURED" || $0 == "SETTLED" }) { record in
            record.refundedAmount = amount ?? Self.amount(of: record)
        }
        _ = answer(result, name, wanted: "CAPTURED or SETTLED", writer)
    }

    private func watch(_ request: [String: Any], _ writer: GRPCResponseWriter) {
        let name = request["name"] as? String ?? ""
        let loop = writer.eventLoop
        let bound = NIOLoopBound(writer, eventLoop: loop)
        let watched = store.watch(name) { [self] record, final in
            loop.execute {
                self.event(record, type: "EVENT_TYPE_STATUS_CHANGED", bound.value)
                if final { bound.value.finish(RPCStatus(.ok, "")) }
            }
        }
        guard let watched else { return writer.finish(notFound(name)) }
        let store = self.store
        writer.onCancel = { store.unwatch(name, id: watched.id) }
        event(watched.current, type: "EVENT_TYPE_SNAPSHOT", writer)
        if PaymentStore.finalStatuses.contains(watched.current.status) {
            store.unwatch(name, id: watched.id)
            writer.finish(RPCStatus(.ok, ""))
        }
    }

    // MARK: Messages

    private func event(_ record: PaymentRecord, type: String, _ writer: GRPCResponseWriter) {
        let payment = (try? JSONSerialization.jsonObject(with: Data(record.json()))) ?? [:]
        send(["type": type, "payment": payment, "eventTime": PaymentStore.timestamp()], as: "payments.v1.PaymentEvent", writer)
    }

    private func reply(_ record: PaymentRecord, _ writer: GRPCResponseWriter) {
        guard let index = codec.pool.messageIndex(named: "payments.v1.Payment"),
            let binary = try? codec.binary(fromJSON: record.json(), messageIndex: index)
        else { return writer.finish(RPCStatus(.internal, "cannot encode the payment")) }
        writer.send(binary)
        writer.finish(RPCStatus(.ok, ""))
    }

    /// Finishes a capture or refund; true when it succeeded.
    private func answer(_ result: Result<PaymentRecord, PaymentStore.TransitionError>, _ name: String, wanted: String, _ writer: GRPCResponseWriter) -> Bool {
        switch result {
        case .success(let record):
            reply(record, writer)
            return true
        case .failure(.notFound):
            writer.finish(notFound(name))
        case .failure(.wrongStatus(let current)):
            writer.finish(status(
                .failedPrecondition, "payment \(name) is \(current), not \(wanted)",
                detail: ("google.rpc.PreconditionFailure", ["violations": [["type": "STATUS", "subject": name, "description": "status is \(current)"]]])))
        case .failure(.versionMismatch(let current)):
            writer.finish(RPCStatus(.aborted, "payment \(name) is at version \(current)"))
        }
        return false
    }

    private static func amount(of record: PaymentRecord) -> [UInt8]? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(record.clientFields))) as? [String: Any],
            let amount = object["amount"]
        else { return nil }
        return (try? JSONSerialization.data(withJSONObject: amount)).map(Array.init)
    }

    private func notFound(_ name: String) -> RPCStatus {
        status(.notFound, "payment \(name) not found",
               detail: ("google.rpc.ResourceInfo", ["resourceType": "payments.v1.Payment", "resourceName": name]))
    }

    /// A status with one detail message, packed as `google.rpc.Status` for the trailers.
    private func status(_ code: RPCStatus.Code, _ message: String, detail: (type: String, fields: [String: Any])) -> RPCStatus {
        var any = detail.fields
        any["@type"] = "type.googleapis.com/" + detail.type
        let object: [String: Any] = ["code": code.rawValue, "message": message, "details": [any]]
        guard let index = codec.pool.messageIndex(named: "google.rpc.Status"),
            let json = try? JSONSerialization.data(withJSONObject: object),
            let binary = try? codec.binary(fromJSON: Array(json), messageIndex: index)
        else { return RPCStatus(code, message) }
        return RPCStatus(code, message, detailsBinary: binary)
    }

    private func decode(_ binary: [UInt8], as type: String) -> [String: Any]? {
        guard let index = codec.pool.messageIndex(named: type),
            let json = try? codec.json(fromBinary: binary, messageIndex: index)
        else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any]
    }

    private func send(_ object: [String: Any], as type: String, _ writer: GRPCResponseWriter) {
        guard let index = codec.pool.messageIndex(named: type),
            let json = try? JSONSerialization.data(withJSONObject: object),
            let binary = try? codec.binary(fromJSON: Array(json), messageIndex: index)
        else { return writer.finish(RPCStatus(.internal, "cannot encode \(type)")) }
        writer.send(binary)
    }
}
