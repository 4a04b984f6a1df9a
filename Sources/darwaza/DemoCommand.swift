import ArgumentParser
import DemoPayments
import Gateway
import NIOPosix

/// `darwaza demo`: the payments backend and the gateway in one process, with curl commands.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the payments demo.")

    @Option(help: "The API listener, HOST:PORT (default 127.0.0.1:8080; port 0 picks one).")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "The admin listener, HOST:PORT (default 127.0.0.1:9901).")
    var admin: String = "127.0.0.1:9901"

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await PaymentsDemo.startBackend(host: "127.0.0.1", port: 0, group: group)
        var configuration = GatewayConfiguration()
        configuration.listen = listen
        configuration.admin = admin
        configuration.upstreams["payments.v1.PaymentService"] = ["http://127.0.0.1:\(backend.localAddress?.port ?? 0)"]
        configuration.json.indent = 2
        let page = StaticPage(contentType: "text/html; charset=utf-8", body: Array(DemoPage.html.utf8))
        try await GatewayRunner.run(
            configuration: configuration, embeddedSets: [PaymentsDemo.descriptorSet], pages: ["/": page], group: group
        ) { gateway in
            let base = "http://" + GatewayRunner.describe(gateway.apiAddress)
            printLine("""

                The payments demo is running. Open \(base)/ in a browser, or try:

                  curl -s -X POST \(base)/v1/payments -H 'Content-Type: application/json' \\
                    -d '{"amount": {"currencyCode": "EUR", "units": "42"}, "customer": {"name": "Ada"}}'
                  curl -s \(base)/v1/payments/pay_1001
                  curl -s '\(base)/v1/payments?pageSize=5'
                  curl -s -X POST \(base)/v1/payments/pay_1001:capture -H 'Content-Type: application/json' -d '{}'
                  curl -s -X POST \(base)/v1/payments/pay_1001:refund -H 'Content-Type: application/json' -d '{"reason": "customer asked"}'
                  curl -sN \(base)/v1/payments/pay_1001:watch
                  curl -s http://\(GatewayRunner.describe(gateway.adminAddress))/routes

                Press Ctrl-C to stop.
                """)
        }
        try? await backend.close()
    }
}
