import ArgumentParser
import Gateway
import NIOPosix

/// `darwaza serve`: the gateway, configured by a YAML file and flags (flags win).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway.")

    @Option(help: "A YAML configuration file.")
    var config: String?

    @OptionGroup var contract: ContractOptions

    @Option(name: .customLong("upstream"), help: "SERVICE=URL[,URL...]: the backends of a service, or * for every other (repeatable).")
    var upstreams: [String] = []

    @Option(name: .customLong("upstream-ca"), help: "A PEM file of extra CA certificates for https:// backends.")
    var upstreamCA: String?

    @Option(help: "The API listener, HOST:PORT (default 127.0.0.1:8080; port 0 picks one).")
    var listen: String?

    @Option(help: "The admin listener, HOST:PORT (default 127.0.0.1:9901).")
    var admin: String?

    func run() async throws {
        var configuration = GatewayConfiguration()
        do throws(GatewayError) {
            if let config { configuration = try GatewayConfiguration.load(file: config) }
            if !contract.descriptorSets.isEmpty { configuration.descriptorSets = contract.descriptorSets }
            if !contract.httpRules.isEmpty { configuration.httpRules = contract.httpRules }
            for upstream in upstreams {
                guard let equals = upstream.firstIndex(of: "="), equals != upstream.startIndex else {
                    throw GatewayError("--upstream \(upstream): expected SERVICE=URL[,URL...]")
                }
                let urls = upstream[upstream.index(after: equals)...].split(separator: ",").map(String.init)
                guard !urls.isEmpty else { throw GatewayError("--upstream \(upstream): no URL") }
                configuration.upstreams[String(upstream[..<equals])] = urls
            }
            if let upstreamCA { configuration.upstreamCA = upstreamCA }
            if let listen { configuration.listen = listen }
            if let admin { configuration.admin = admin }
            try configuration.validate()
        } catch {
            throw CommandFailure(message: error.description)
        }
        try await GatewayRunner.run(configuration: configuration)
    }
}
