import Dispatch
import Gateway
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Starts a gateway, prints its addresses, and runs until SIGINT or SIGTERM, then drains.
enum GatewayRunner {
    static func run(
        configuration: GatewayConfiguration, embeddedSets: [(source: String, bytes: [UInt8])] = [],
        pages: [String: StaticPage] = [:], group: MultiThreadedEventLoopGroup = .singleton,
        afterStart: (Gateway) -> Void = { _ in }
    ) async throws {
        let gateway: Gateway
        do {
            gateway = try await Gateway.start(configuration: configuration, embeddedSets: embeddedSets, pages: pages, group: group)
        } catch let error as GatewayError {
            throw CommandFailure(message: error.description)
        } catch {
            throw CommandFailure(message: "cannot start: \(error)")
        }
        printLine("listening http://\(describe(gateway.apiAddress))")
        printLine("admin http://\(describe(gateway.adminAddress))")
        afterStart(gateway)
        await waitForTermination()
        await gateway.shutdown()
    }

    /// `HOST:PORT`, with brackets around IPv6 hosts.
    static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "127.0.0.1"
        return (host.contains(":") ? "[\(host)]" : host) + ":" + String(address.port ?? 0)
    }

    /// Suspends until the process receives SIGINT or SIGTERM.
    private static func waitForTermination() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "darwaza.signals")
            let once = SignalOnce(continuation)
            for signalNumber in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { once.fire() }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Resumes a continuation on the first signal only, and keeps the signal sources alive.
private final class SignalOnce: @unchecked Sendable {
    // Only touched on the serial queue "darwaza.signals" (and once before the sources start).
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func keep(_ source: DispatchSourceSignal) { sources.append(source) }

    func fire() {
        continuation?.resume()
        continuation = nil
    }
}
