import ArgumentParser

/// The descriptor sets and rules files that `serve` and `check` both read.
struct ContractOptions: ParsableArguments {
    @Option(name: .customLong("descriptor-set"), help: "A binary FileDescriptorSet (repeatable).")
    var descriptorSets: [String] = []

    @Option(name: .customLong("http-rules"), help: "A YAML google.api.Service rules file (repeatable).")
    var httpRules: [String] = []
}
