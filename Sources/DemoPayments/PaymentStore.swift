import Foundation
import Synchronization

/// One payment of the demo: the fields the backend owns, plus the client's own fields as JSON.
struct PaymentRecord: Sendable {
    struct Change: Sendable {
        var status: String
        var time: String
        var reason: String
    }

    var id: String
    var status: String
    var version: Int
    var createTime: String
    var updateTime: String
    var history: [Change]
    /// The `Payment` fields the client sent, as a JSON object.
    var clientFields: [UInt8]
    /// The refunded amount, as a `Money` JSON object.
    var refundedAmount: [UInt8]?

    var name: String { "payments/" + id }

    /// The payment as `payments.v1.Payment` JSON.
    func json() -> [UInt8] {
        var object = (try? JSONSerialization.jsonObject(with: Data(clientFields))) as? [String: Any] ?? [:]
        object["id"] = id
        object["name"] = name
        object["status"] = status
        object["version"] = String(version)
        object["createTime"] = createTime
        object["updateTime"] = updateTime
        object["history"] = history.map { ["status": $0.status, "time": $0.time, "reason": $0.reason] }
        if let refundedAmount { object["refundedAmount"] = try? JSONSerialization.jsonObject(with: Data(refundedAmount)) }
        return Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8))
    }
}

/// The demo's payments, in memory, with watchers told of every status change.
final class PaymentStore: Sendable {
    /// Told of each change of one payment; `final` when it will change no more.
    typealias Watcher = @Sendable (_ payment: PaymentRecord, _ final: Bool) -> Void

    /// Why a status change was refused.
    enum TransitionError: Error {
        case notFound
        case wrongStatus(current: String)
        case versionMismatch(current: Int)
    }

    private struct State {
        var payments: [String: PaymentRecord] = [:]
        var order: [String] = []
        var watchers: [String: [Int: Watcher]] = [:]
        var nextID = 1
        var nextWatcher = 1
    }

    private let state = Mutex(State())

    /// Statuses after which a payment changes no more.
    static let finalStatuses: Set<String> = ["FAILED", "REFUNDED"]

    /// Adds a payment with the client's fields, assigning its id and first status.
    func create(clientFields: [UInt8]) -> PaymentRecord {
        let now = Self.timestamp()
        return state.withLock { state in
            let record = PaymentRecord(
                id: "pay_" + String(1000 + state.nextID), status: "CREATED", version: 1, createTime: now, updateTime: now,
                history: [.init(status: "CREATED", time: now, reason: "payment created")], clientFields: clientFields)
            state.nextID += 1
            state.payments[record.name] = record
            state.order.append(record.name)
            return record
        }
    }

    func get(_ name: String) -> PaymentRecord? { state.withLock { $0.payments[name] } }

    /// Payments in creation order, optionally of one status, from `offset`; and how many match.
    func list(status: String?, offset: Int, limit: Int) -> (page: [PaymentRecord], total: Int) {
        state.withLock { state in
            let all = state.order.compactMap { state.payments[$0] }.filter { status == nil || $0.status == status }
            let page = offset < all.count ? Array(all[offset..<min(all.count, offset + limit)]) : []
            return (page, all.count)
        }
    }

    /// Moves a payment to `status` when `allowed(current status)`, and tells its watchers.
    func transition(
        _ name: String, to status: String, reason: String, expectedVersion: Int = 0,
        allowed: (String) -> Bool, update: (inout PaymentRecord) -> Void = { _ in }
    ) -> Result<PaymentRecord, TransitionError> {
        let now = Self.timestamp()
        let (result, watchers) = state.withLock { state -> (Result<PaymentRecord, TransitionError>, [Watcher]) in
            guard var record = state.payments[name] else { return (.failure(.notFound), []) }
            if expectedVersion != 0, expectedVersion != record.version {
                return (.failure(.versionMismatch(current: record.version)), [])
            }
            guard allowed(record.status) else { return (.failure(.wrongStatus(current: record.status)), []) }
            record.status = status
            record.version += 1
            record.updateTime = now
            record.history.append(.init(status: status, time: now, reason: reason))
            update(&record)
            state.payments[name] = record
            return (.success(record), Array((state.watchers[name] ?? [:]).values))
        }
        if case .success(let record) = result {
            for watcher in watchers { watcher(record, Self.finalStatuses.contains(status)) }
        }
        return result
    }

    /// Registers a watcher; returns its id and the payment now, or nil for an unknown payment.
    func watch(_ name: String, _ watcher: @escaping Watcher) -> (id: Int, current: PaymentRecord)? {
        state.withLock { state in
            guard let record = state.payments[name] else { return nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[name, default: [:]][id] = watcher
            return (id, record)
        }
    }

    func unwatch(_ name: String, id: Int) {
        _ = state.withLock { $0.watchers[name]?.removeValue(forKey: id) }
    }

    /// Now, as an RFC 3339 timestamp with milliseconds.
    static func timestamp() -> String { Date().formatted(timestampStyle) }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
