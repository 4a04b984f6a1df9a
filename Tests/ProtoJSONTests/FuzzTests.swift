import Foundation
import ProtoJSON
import Testing

// Nothing may crash, every failure is a `CodecError` with a reason, valid JSON converts, JSON
// output is valid JSON, and JSON that converts to binary converts back. No binary-to-JSON error
// is exempt from that last rule: Value NaN/Infinity, timestamps and durations out of range,
// field mask paths without a JSON form and unknown Any types are all rejected by the JSON reader
// already. (Deep Struct/ListValue nesting is the exception, a known issue covered by
// DepthConsistencyTests; the inputs here stay far from the limit.)
/// Seeded random and mutated binary and JSON inputs against every entry point of the codec.
@Suite("Fuzz")
struct FuzzTests {
    /// The fuzzed message types, all in the editions descriptor set.
    static let typeNames = [
        "darwaza.testing.proto3.AllTypesProto3", "darwaza.testing.proto2.AllTypesProto2",
        "darwaza.testing.editions3.AllTypesProto3", "darwaza.testing.editions2.AllTypesProto2",
    ]
    static let descriptors = "all_types_editions.binpb"

    /// Valid inputs of one message type to mutate.
    struct Seeds {
        var json: [[UInt8]] = []
        var binary: [[UInt8]] = []
    }

    /// How often each entry point succeeded and failed, to show the inputs reach both outcomes.
    struct Tally {
        var succeeded = 0
        var failed = 0
    }

    /// Runs the seeded inputs for a fixed number of iterations or until the time limit.
    @Test func randomInputs() throws {
        let seed = FuzzSettings.seed
        print("fuzz seed: \(seed) (set DARWAZA_FUZZ_SEED to replay)")
        var rng = SplitMix64(seed: seed)
        let codec = try Fixtures.codec(Self.descriptors)
        let types = try Self.typeNames.map { try Fixtures.messageIndex($0, in: Self.descriptors) }
        let seeds = try Self.seeds(codec: codec, types: types)
        let generator = RandomMessages(pool: codec.pool)
        let allNames = Array(Set(codec.pool.messages.flatMap { $0.fields.flatMap { [$0.jsonName, $0.name] } })).sorted()

        var tallies: [String: Tally] = [:]
        var failures = 0
        var iteration = 0
        let deadline = ContinuousClock.now + FuzzSettings.timeLimit
        while iteration < FuzzSettings.iterations, failures < 5, ContinuousClock.now < deadline {
            defer { iteration += 1 }
            let which = rng.below(types.count)
            let pool = seeds[which]
            let binarySeed = pool.binary[rng.below(pool.binary.count)]
            let jsonSeed = pool.json[rng.below(pool.json.count)]
            let input: [UInt8]
            switch rng.below(10) {
            case 8, 9:  // random valid JSON, which must convert; and a mutation of its binary
                let json = generator.message(types[which], using: &rng)
                do throws(CodecError) {
                    let binary = try codec.binary(fromJSON: Array(json.utf8), messageIndex: types[which])
                    input = Mutator.mutate(binary, other: binarySeed, json: false, using: &rng)
                } catch {
                    failures += 1
                    Issue.record("fuzz seed \(seed), iteration \(iteration): valid JSON rejected: \(error); JSON \(json.prefix(600))")
                    continue
                }
                let problems = Self.check(Array(json.utf8), codec: codec, messageIndex: types[which], tallies: &tallies)
                for problem in problems {
                    failures += 1
                    Issue.record("fuzz seed \(seed), iteration \(iteration), \(Self.typeNames[which]): \(problem); JSON \(json.prefix(600))")
                }
            case 0:
                input = (0..<rng.below(48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1, 2:
                input = Mutator.mutate(binarySeed, other: pool.binary[rng.below(pool.binary.count)], json: false, using: &rng)
            case 3:
                let numbers = codec.pool.messages[types[which]].fields.map(\.number)
                input = BinaryMutator.appendField(binarySeed, numbers: numbers, using: &rng)
            case 4, 5:
                input = Mutator.mutate(jsonSeed, other: pool.json[rng.below(pool.json.count)], json: true, using: &rng)
            default:
                // Mostly the message's own field names, so that many mutants stay valid.
                let own = codec.pool.messages[types[which]].fields.map(\.jsonName)
                let names = rng.below(4) == 0 ? allNames : own
                var json = JSONMutator.mutate(jsonSeed, names: names, using: &rng)
                if rng.below(2) == 0 { json = JSONMutator.mutate(json, names: names, using: &rng) }
                input = json
            }
            let problems = Self.check(input, codec: codec, messageIndex: types[which], tallies: &tallies)
            for problem in problems {
                failures += 1
                Issue.record(
                    "fuzz seed \(seed), iteration \(iteration), \(Self.typeNames[which]): \(problem); input hex \(Hex.encode(input).prefix(600))")
            }
        }
        print("fuzz: \(iteration) iterations; \(tallies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.succeeded) ok / \($0.value.failed) errors" }.joined(separator: ", "))")
        #expect(iteration >= 1000, "only \(iteration) iterations within the time limit (seed \(seed))")
        for entry in ["json(fromBinary:)", "validate", "binary(fromJSON:)"] {
            #expect((tallies[entry]?.succeeded ?? 0) > 0, "\(entry) never succeeded (seed \(seed))")
            #expect((tallies[entry]?.failed ?? 0) > 0, "\(entry) never failed (seed \(seed))")
        }
    }

    /// Runs `input` through every entry point as binary and as JSON; returns what went wrong.
    static func check(_ input: [UInt8], codec: ProtoJSONCodec, messageIndex: Int, tallies: inout [String: Tally]) -> [String] {
        var problems: [String] = []
        /// Counts an outcome and checks that an error has a reason.
        func note(_ entry: String, _ result: Result<some Any, CodecError>) {
            switch result {
            case .success: tallies[entry, default: Tally()].succeeded += 1
            case .failure(let error):
                tallies[entry, default: Tally()].failed += 1
                if error.reason.isEmpty { problems.append("\(entry) threw an error without a reason: \(error)") }
            }
        }

        let json = Result { () throws(CodecError) in try codec.json(fromBinary: input, messageIndex: messageIndex) }
        note("json(fromBinary:)", json)
        if case .success(let output) = json, !isJSON(output) {
            problems.append("json(fromBinary:) wrote invalid JSON: \(String(decoding: output, as: UTF8.self).prefix(300))")
        }
        note("validate", Result { () throws(CodecError) in try codec.validate(input, messageIndex: messageIndex) })

        let binary = Result { () throws(CodecError) in try codec.binary(fromJSON: input, messageIndex: messageIndex) }
        note("binary(fromJSON:)", binary)
        if case .success(let bytes) = binary {
            do throws(CodecError) {
                let output = try codec.json(fromBinary: bytes, messageIndex: messageIndex)
                if !isJSON(output) { problems.append("JSON of converted JSON is invalid: \(String(decoding: output, as: UTF8.self).prefix(300))") }
                try codec.validate(bytes, messageIndex: messageIndex)
            } catch {
                problems.append("JSON converted to binary \(Hex.encode(bytes).prefix(300)), which fails: \(error)")
            }
        }
        return problems
    }

    /// Whether Foundation parses `bytes` as JSON.
    static func isJSON(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// Per fuzzed type: the vectors' valid JSON, its binary, and the vectors' binary inputs.
    static func seeds(codec: ProtoJSONCodec, types: [Int]) throws -> [Seeds] {
        var seeds = [Seeds](repeating: Seeds(), count: types.count)
        for vector in try Vectors.all.get() where vector.topic != "depth_and_limits" {
            guard let which = typeNames.firstIndex(of: vector.type) else { continue }
            // JSON seeds are inputs that convert (with default options); their binary is a seed too.
            if let json = vector.json, let binary = try? codec.binary(fromJSON: json, messageIndex: types[which]) {
                seeds[which].json.append(json)
                seeds[which].binary.append(binary)
            }
            if let binary = vector.binary { seeds[which].binary.append(binary) }
        }
        for (which, seed) in seeds.enumerated() {
            if seed.json.isEmpty || seed.binary.isEmpty { throw FixtureError("no fuzz seeds for \(typeNames[which])") }
        }
        return seeds
    }
}
