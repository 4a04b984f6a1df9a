import Foundation
import ProtoJSON
import ProtoSchema

/// The committed descriptor sets, each loaded once and shared by every test.
enum Fixtures {
    /// The repository root, found from this file's path (Tests/ProtoJSONTests/Fixtures.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The descriptor set files under proto/descriptors that tests may name.
    static let descriptorFiles = [
        "all_types.binpb", "all_types_editions.binpb", "payments.binpb", "google_rpc.binpb",
    ]

    /// The path of a file in proto/descriptors.
    static func descriptorPath(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("proto/descriptors/\(name)").path
    }

    /// The loaded pool of a descriptor set file in proto/descriptors.
    static func pool(_ name: String) throws -> DescriptorPool {
        guard let loaded = loadedPools[name] else { throw FixtureError("no descriptor set named \(name)") }
        return try loaded.get()
    }

    /// A codec over the pool of a descriptor set file.
    static func codec(_ name: String) throws -> ProtoJSONCodec { ProtoJSONCodec(pool: try pool(name)) }

    /// The pool index of a message type in a descriptor set file.
    static func messageIndex(_ typeName: String, in name: String) throws -> Int {
        guard let index = try pool(name).messageIndex(named: typeName) else {
            throw FixtureError("\(name) has no message \(typeName)")
        }
        return index
    }
}

/// Every descriptor set file, loaded at first use.
private let loadedPools: [String: Result<DescriptorPool, SchemaError>] = {
    var pools: [String: Result<DescriptorPool, SchemaError>] = [:]
    for name in Fixtures.descriptorFiles {
        pools[name] = Result { () throws(SchemaError) -> DescriptorPool in
            try DescriptorPool(paths: [Fixtures.descriptorPath(name)])
        }
    }
    return pools
}()

/// A failure in the test data or fixtures themselves (not in the code under test).
struct FixtureError: Error, CustomStringConvertible {
    let description: String

    /// An error with this description.
    init(_ description: String) { self.description = description }
}

/// Hex helpers for byte strings in test data.
enum Hex {
    /// Bytes from hex digits; spaces are ignored.
    static func decode(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") })
        guard digits.count % 2 == 0 else { throw FixtureError("odd number of hex digits in \"\(text)\"") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else {
                throw FixtureError("invalid hex digit in \"\(text)\"")
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Lower-case hex digits, two per byte, unseparated.
    static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }

    /// The value of one hex digit.
    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
