import NIOCore
import Synchronization

/// The open WebSocket bridges, so that shutdown can close each with 1001; also their count.
final class WebSocketRegistry: Sendable {
    private let bridges = Mutex<[ObjectIdentifier: NIOLoopBound<WebSocketBridge>]>([:])

    func register(_ bridge: WebSocketBridge, on loop: EventLoop) {
        let bound = NIOLoopBound(bridge, eventLoop: loop)
        bridges.withLock { $0[ObjectIdentifier(bridge)] = bound }
    }

    func unregister(_ bridge: WebSocketBridge) {
        _ = bridges.withLock { $0.removeValue(forKey: ObjectIdentifier(bridge)) }
    }

    /// How many WebSockets are open.
    var count: Int { bridges.withLock { $0.count } }

    /// Tells every open bridge that the gateway is going away.
    func closeAll() {
        let all = bridges.withLock { Array($0.values) }
        for bound in all { bound.eventLoop.execute { bound.value.goingAway() } }
    }
}
