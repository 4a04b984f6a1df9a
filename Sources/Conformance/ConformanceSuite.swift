import Foundation
import Gateway
import NIOCore
import Yams

/// The outcome of one case.
public struct CaseResult: Sendable {
    /// The case that ran.
    public let testCase: ConformanceCase
    /// One line per difference; empty when the case passed.
    public let differences: [String]
    /// How long it took, gateway start and stop included.
    public let seconds: Double
    /// Whether nothing differed.
    public var passed: Bool { differences.isEmpty }
}

/// Finds, reads and runs case files.
public enum ConformanceSuite {
    /// The case files named by `paths`: files as given, folders searched for `.yaml` and
    /// `.yml` files (skipping `google.api.Service` rules files, which have `http:` and no
    /// `cases:`), in sorted order.
    public static func caseFiles(in paths: [String]) throws(CaseFileError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw CaseFileError(file: path, caseName: nil, field: nil, "no such file or folder")
            }
            guard isFolder.boolValue else { files.append(path); continue }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            files += found.filter { !isRulesFile($0) }
        }
        return files
    }

    private static func isRulesFile(_ path: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let top = try? Yams.compose(yaml: text) else { return false }
        return top["http"] != nil && top["cases"] == nil
    }

    /// Reads every case of `files` whose `file: name` contains `filter` (ignoring case) and
    /// checks each against its descriptors, before anything runs.
    public static func load(files: [String], filter: String?) throws(CaseFileError) -> [PreparedCase] {
        var snapshots: [(GatewayConfiguration, GatewaySnapshot)] = []
        var prepared: [PreparedCase] = []
        for file in files {
            for spec in try CaseFileReader.read(file: file) {
                if let filter, spec.fullName.range(of: filter, options: .caseInsensitive) == nil { continue }
                prepared.append(try PreparedCase(spec, snapshots: &snapshots))
            }
        }
        return prepared
    }

    /// Runs the cases, at most `jobs` at a time, and returns their results in order.
    public static func run(_ cases: [PreparedCase], jobs: Int, group: EventLoopGroup) async -> [CaseResult] {
        await withTaskGroup(of: (Int, CaseResult).self) { tasks in
            var results: [CaseResult?] = Array(repeating: nil, count: cases.count)
            var next = 0
            func launch() {
                let index = next
                next += 1
                tasks.addTask {
                    let started = ContinuousClock.now
                    let differences = await CaseRunner.run(cases[index], group: group)
                    let elapsed = ContinuousClock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    return (index, CaseResult(testCase: cases[index].spec, differences: differences, seconds: seconds))
                }
            }
            while next < min(jobs, cases.count) { launch() }
            for await (index, result) in tasks {
                results[index] = result
                if next < cases.count { launch() }
            }
            return results.compactMap { $0 }
        }
    }
}
