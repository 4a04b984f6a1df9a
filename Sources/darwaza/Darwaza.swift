import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// The `darwaza` command line: serve, demo, conformance, check.
@main
struct Darwaza: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darwaza",
        abstract: "A protocol-translating edge gateway: REST/JSON and browser streams in front of gRPC services.",
        subcommands: [ServeCommand.self, DemoCommand.self, ConformanceCommand.self, CheckCommand.self])

    /// Runs the command; usage errors and bad input files exit 2 with a one-line reason.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CommandFailure {
            printError(error.message)
            Glibc.exit(error.code)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            printError(fullMessage(for: error))
            Glibc.exit(2)
        }
    }
}

/// A failure that ends the process with a reason on standard error and a given exit status.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 2
}

/// Writes a line to standard error.
func printError(_ message: String) {
    let line = Array(("darwaza: " + message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Writes a line to standard output and flushes it, so that scripts see it at once.
func printLine(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}
