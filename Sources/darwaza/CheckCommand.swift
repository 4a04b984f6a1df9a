import ArgumentParser
import HTTPRules
import ProtoSchema

/// `darwaza check`: lints descriptor sets and rules files before deployment.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Lint descriptor sets and HTTP rules; exit 1 on any error.")

    @OptionGroup var contract: ContractOptions

    @Flag(help: "Fail on warnings too.")
    var strict = false

    func run() throws {
        guard !contract.descriptorSets.isEmpty else { throw CommandFailure(message: "give at least one --descriptor-set FILE") }
        let findings: [Finding]
        do {
            let pool = try DescriptorPool(paths: contract.descriptorSets, fallbackSets: [BuiltinDescriptors.set])
            findings = try RuleChecker.check(pool: pool, rulesFiles: contract.httpRules)
        } catch let error as SchemaError {
            throw CommandFailure(message: error.description)
        } catch let error as RulesError {
            throw CommandFailure(message: error.description)
        }
        for finding in findings { printLine(finding.description) }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        printLine("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        if errors > 0 || (strict && warnings > 0) { throw CommandFailure(message: "the check failed", code: 1) }
    }
}
