import Foundation

/// SplitMix64: a small, fast, seedable generator, so that a failing run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator starting from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random integer in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }
}

/// Byte-level mutations: bit flips, truncations, insertions, deletions, edge values, splices.
struct Mutator {
    /// Fragments that JSON inputs are likely to trip on.
    static let jsonTokens: [[UInt8]] = [
        "{", "}", "[", "]", "\"", ",", ":", "null", "true", "false", "-", "0", "-0", "1e5", "1.5", "1e999",
        "\"NaN\"", "\"-Infinity\"", "\\u", "\\ud800", "\\\"", "\"@type\"", "\"value\"", " ", "\n", "01", "[{}]",
        "{\"a\":[]}", "\"2147483648\"", "\"18446744073709551616\"", "\"1970-01-01T00:00:00Z\"", "\"1.5s\"",
        "\"type.googleapis.com/google.protobuf.Value\"", "\"[darwaza.testing.proto2.extension_int32]\"",
    ].map { Array($0.utf8) } + [[0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80]]

    /// Bytes that binary inputs are likely to trip on.
    static let edgeBytes: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x08, 0x0B, 0x0C, 0x7F, 0x80, 0xFF]

    /// `input` after one to four random mutations; `other` is a second input for splices.
    static func mutate(_ input: [UInt8], other: [UInt8], json: Bool, using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(rng.below(2) == 0 ? 1 : 2 + rng.below(3)) {
            let position = bytes.isEmpty ? 0 : rng.below(bytes.count + 1)
            switch rng.below(8) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let index = rng.below(bytes.count)
                bytes[index] ^= 1 << UInt8(rng.below(8))
            case 1:  // truncate
                bytes = Array(bytes.prefix(position))
            case 2:  // insert random bytes or a JSON token
                let insertion = json && rng.below(3) > 0
                    ? jsonTokens[rng.below(jsonTokens.count)]
                    : (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: insertion, at: position)
            case 3 where !bytes.isEmpty:  // delete a range
                let start = rng.below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.below(16)))
            case 4 where !bytes.isEmpty:  // overwrite with an edge value
                bytes[rng.below(bytes.count)] = edgeBytes[rng.below(edgeBytes.count)]
            case 5:  // splice: a prefix of this input and a suffix of the other
                let cut = other.isEmpty ? 0 : rng.below(other.count + 1)
                bytes = Array(bytes.prefix(position)) + other.suffix(from: cut)
            case 6 where !bytes.isEmpty:  // duplicate a range in place
                let start = rng.below(bytes.count)
                let range = start..<min(bytes.count, start + 1 + rng.below(32))
                bytes.insert(contentsOf: bytes[range], at: range.upperBound)
            default:  // a random byte anywhere
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
            }
        }
        return bytes
    }
}

/// Structural JSON mutations: a member's value replaced, or a member named after a field inserted.
struct JSONMutator {
    /// Values of every JSON type, including edge cases of the protobuf mapping.
    static let values: [String] = [
        "0", "1", "-1", "1.5", "-0.0", "1e5", "2147483648", "4294967296", "1e308", "3.4028235e38", "\"9223372036854775807\"",
        "\"-9223372036854775808\"", "\"18446744073709551615\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "true", "false",
        "null", "\"\"", "\"x\"", "\"AQ==\"", "\"-_8\"", "\"BAR\"", "\"NEG\"", "\"FOREIGN_BAZ\"", "\"2\"", "[]", "{}", "[1, 2]",
        "[null]", "{\"a\": 1}", "{\"k\": \"v\"}", "{\"1\": 2}", "{\"true\": true}", "[{}, {\"a\": 1}]", "\"1970-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59.999999999Z\"", "\"-315576000000.999999999s\"", "\"1.5s\"", "\"fooBar,baz\"", "\"\\ud83d\\ude00\"",
        "{\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"1s\"}",
        "{\"@type\": \"type.googleapis.com/darwaza.testing.proto3.ForeignMessage\", \"c\": 1}",
        "{\"@type\": \"type.googleapis.com/google.protobuf.Value\", \"value\": [1, {\"a\": null}]}",
    ]

    /// `bytes` with one structural mutation, or unchanged when it has no place for one.
    static func mutate(_ bytes: [UInt8], names: [String], using rng: inout SplitMix64) -> [UInt8] {
        let (colons, braces) = structure(bytes)
        let value = Array(values[rng.below(values.count)].utf8)
        if rng.below(2) == 0, !colons.isEmpty {
            let colon = colons[rng.below(colons.count)]
            let range = valueRange(bytes, after: colon)
            var result = bytes
            result.replaceSubrange(range, with: [UInt8(ascii: " ")] + value)
            return result
        }
        guard !braces.isEmpty else { return bytes }
        let brace = braces[rng.below(braces.count)]
        let member = Array("\"\(names[rng.below(names.count)])\": ".utf8) + value
        let empty = bytes[(brace + 1)...].first { $0 != 0x20 } == UInt8(ascii: "}")
        var result = bytes
        result.insert(contentsOf: member + (empty ? [] : Array(", ".utf8)), at: brace + 1)
        return result
    }

    /// The offsets of the colons and opening braces outside strings.
    private static func structure(_ bytes: [UInt8]) -> (colons: [Int], braces: [Int]) {
        var colons: [Int] = []
        var braces: [Int] = []
        var inString = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\") where inString: index += 1
            case UInt8(ascii: "\""): inString.toggle()
            case UInt8(ascii: ":") where !inString: colons.append(index)
            case UInt8(ascii: "{") where !inString: braces.append(index)
            default: break
            }
            index += 1
        }
        return (colons, braces)
    }

    /// The range of the value that starts after `offset` (best effort on malformed input).
    private static func valueRange(_ bytes: [UInt8], after offset: Int) -> Range<Int> {
        var start = offset + 1
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x0A { start += 1 }
        var index = start
        var depth = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                if depth == 0 { break }
                depth -= 1
            } else if byte == UInt8(ascii: ","), depth == 0 {
                break
            }
            index += 1
            if depth == 0, !inString, index > start, bytes[start] == UInt8(ascii: "\"") || bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "[") {
                break
            }
        }
        return start..<min(index, bytes.count)
    }
}

/// Appends a well-formed field to binary input (two concatenated messages make one message).
enum BinaryMutator {
    /// `bytes` with a field of one of `numbers` (or any number), of any wire type, appended.
    static func appendField(_ bytes: [UInt8], numbers: [UInt32], using rng: inout SplitMix64) -> [UInt8] {
        var result = bytes
        let number = rng.below(8) == 0 ? UInt32(1 + rng.below(600)) : numbers[rng.below(numbers.count)]
        let wireType = UInt64(rng.below(6))
        appendVarint(UInt64(number) << 3 | (wireType == 4 ? 0 : wireType), to: &result)
        switch wireType {
        case 1: result += (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 2:
            let payload = (0..<rng.below(12)).map { _ in Mutator.edgeBytes[rng.below(Mutator.edgeBytes.count)] }
            appendVarint(UInt64(payload.count), to: &result)
            result += payload
        case 3: result += [0x08, 0x01]; appendVarint(UInt64(number) << 3 | 4, to: &result)
        case 5: result += (0..<4).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default: appendVarint(rng.below(2) == 0 ? UInt64(rng.below(300)) : rng.next(), to: &result)
        }
        return result
    }

    /// Appends the varint encoding of `value`.
    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// The fuzz test's run settings: the seed comes from `DARWAZA_FUZZ_SEED` when set.
enum FuzzSettings {
    static let defaultSeed: UInt64 = 0x00DA_8A2A_F022_2024
    static let iterations = 40_000
    static let timeLimit: Duration = .seconds(20)

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["DARWAZA_FUZZ_SEED"].flatMap { UInt64($0) } ?? defaultSeed
    }
}
