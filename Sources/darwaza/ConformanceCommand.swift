import ArgumentParser
import Conformance
import Foundation
import NIOPosix

/// `darwaza conformance`: runs contract cases through the real gateway against a fake backend.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Run conformance case files (YAML) through the gateway; exit 1 if any case fails.")

    @Argument(help: "Case files or folders (default ./conformance).")
    var paths: [String] = []

    @Option(help: "Run only the cases whose `file: name` contains this text (ignoring case).")
    var filter: String?

    @Option(help: "Write a JUnit XML report to this file.")
    var junit: String?

    @Option(help: "Cases run at the same time.")
    var jobs = 8

    @Flag(help: "Print every case, not only failures.")
    var verbose = false

    func run() async throws {
        guard jobs > 0 else { throw CommandFailure(message: "--jobs must be positive") }
        let cases: [PreparedCase]
        do {
            let files = try ConformanceSuite.caseFiles(in: paths.isEmpty ? ["conformance"] : paths)
            guard !files.isEmpty else { throw CommandFailure(message: "no case files in \(paths.joined(separator: " "))") }
            cases = try ConformanceSuite.load(files: files, filter: filter)
            guard !cases.isEmpty else { throw CommandFailure(message: "no case matches --filter \(filter ?? "")") }
        } catch let error as CaseFileError {
            throw CommandFailure(message: error.description)
        }
        let results = await ConformanceSuite.run(cases, jobs: jobs, group: MultiThreadedEventLoopGroup.singleton)
        for result in results where verbose || !result.passed {
            printLine("\(result.passed ? "PASS" : "FAIL") \(result.testCase.fullName)")
            for line in result.differences { printLine("    " + line) }
        }
        if let junit {
            guard FileManager.default.createFile(atPath: junit, contents: Data(JUnitReport.xml(results).utf8)) else {
                throw CommandFailure(message: "\(junit): cannot write the JUnit report")
            }
        }
        let failed = results.filter { !$0.passed }.count
        printLine("\(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw CommandFailure(message: "\(failed) conformance case\(failed == 1 ? "" : "s") failed", code: 1) }
    }
}
