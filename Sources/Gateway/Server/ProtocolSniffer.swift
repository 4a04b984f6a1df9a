import NIOCore

/// Serves HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on one port: looks at the first bytes
/// of a connection, configures the pipeline for whichever protocol they begin, replays them,
/// and steps aside.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    private var buffered: ByteBuffer?
    private let configure: (_ channel: Channel, _ isHTTP2: Bool) throws -> Void

    init(configure: @escaping (_ channel: Channel, _ isHTTP2: Bool) throws -> Void) {
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if buffered == nil { buffered = chunk } else { buffered!.writeBuffer(&chunk) }
        guard let bytes = buffered else { return }
        let seen = Array(bytes.readableBytesView.prefix(Self.preface.count))
        let isHTTP2 = seen == Self.preface
        guard isHTTP2 || !Self.preface.starts(with: seen) else { return }  // still a prefix of the preface
        buffered = nil
        do {
            try configure(context.channel, isHTTP2)
            let pipeline = context.pipeline
            pipeline.syncOperations.removeHandler(context: context, promise: nil)
            pipeline.fireChannelRead(NIOAny(bytes))
            pipeline.fireChannelReadComplete()
        } catch {
            context.close(promise: nil)
        }
    }
}
