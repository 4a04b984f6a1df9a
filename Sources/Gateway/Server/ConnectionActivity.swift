import NIOCore

/// Counts the requests in progress on one connection (all its HTTP/2 streams together), so
/// that an idle timeout closes only connections with nothing in flight.
final class ConnectionActivity {
    var requestsInProgress = 0
}

/// Closes the connection when `IdleStateHandler` reports it idle and no request is in progress.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let activity: ConnectionActivity

    init(activity: ConnectionActivity) { self.activity = activity }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if activity.requestsInProgress == 0 { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
