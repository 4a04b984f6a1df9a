import Foundation
import ProtoJSON
import Testing

/// One case of a vector file: a message type, an input and what the codec must make of it.
struct Vector: Sendable, CustomTestStringConvertible {
    /// What JSON output must be: the same JSON value, or the same text byte for byte.
    enum ExpectedJSON: Sendable {
        case value(JSONValue)
        case exact(String)
    }

    /// The vector file's topic (its name without `.json`).
    let topic: String
    let name: String
    /// A file name in proto/descriptors.
    let descriptors: String
    /// The fully qualified message type.
    let type: String
    /// JSON input, from `json` (text) or `json_hex` (raw bytes, for invalid UTF-8).
    let json: [UInt8]?
    /// Binary input, or the binary that JSON input must convert to.
    let binary: [UInt8]?
    /// The JSON that `binary` (or the conversion of `json`) must convert to.
    let expectJSON: ExpectedJSON?
    /// The exact `CodecError.description` the conversion must fail with.
    let error: String?
    /// `"ok"` or the exact error of `validate` on `binary`.
    let validate: String?
    /// Whether `binary` may differ from the output in field order: both are compared as JSON.
    let unordered: Bool
    let decodingOptions: JSONDecodingOptions
    let encodingOptions: JSONEncodingOptions
    /// A reported, unfixed discrepancy: the case runs as a known issue (failing once fixed).
    let knownIssue: String?

    var testDescription: String { "\(topic)/\(name)" }

    /// Whether the case converts JSON to binary (expecting bytes or an error).
    var isJSONToBinary: Bool { json != nil && (binary != nil || error != nil) }
    /// Whether the case converts binary to JSON (expecting JSON, or an error for binary input).
    var isBinaryToJSON: Bool { binary != nil && (expectJSON != nil || (error != nil && json == nil)) }
    /// Whether the case converts JSON to binary and back to JSON.
    var isJSONToJSON: Bool { json != nil && expectJSON != nil }
    /// Whether the case validates binary.
    var isValidate: Bool { binary != nil && validate != nil }

    /// The codec for the case's descriptor set and the index of its message type.
    func codec() throws -> (codec: ProtoJSONCodec, messageIndex: Int) {
        (try Fixtures.codec(descriptors), try Fixtures.messageIndex(type, in: descriptors))
    }
}

/// Loading the vector files.
enum Vectors {
    /// The topics, one file each; every file must exist and every file must be listed.
    static let topics = [
        "scalars", "integers", "floats", "strings_bytes", "enums", "oneofs", "maps", "repeated",
        "well_known_types", "any", "names_and_options", "proto2_extensions_groups", "editions",
        "malformed_json", "malformed_binary", "depth_and_limits",
    ]

    /// Every case of every vector file, in file order.
    static let all: Result<[Vector], FixtureError> = Result { () throws(FixtureError) in try load() }

    /// The cases selected by `include`.
    static func cases(_ include: (Vector) -> Bool) throws -> [Vector] { try all.get().filter(include) }

    /// The directory of vector files copied into the test bundle.
    static func directory() throws(FixtureError) -> URL {
        guard let url = Bundle.module.url(forResource: "Vectors", withExtension: nil) else {
            throw FixtureError("the Vectors resource is missing from the test bundle")
        }
        return url
    }

    private static let keys: Set<String> = [
        "name", "descriptors", "type", "json", "json_hex", "binary_hex", "expect_json", "exact", "error",
        "validate", "unordered", "options", "known_issue", "note",
    ]
    private static let optionKeys: Set<String> = [
        "emitUnpopulated", "useProtoNames", "enumsAsNumbers", "indent", "maxDepth", "ignoreUnknownFields",
    ]

    /// Reads and checks every vector file.
    private static func load() throws(FixtureError) -> [Vector] {
        let directory = try directory()
        var vectors: [Vector] = []
        for topic in topics {
            let url = directory.appendingPathComponent("\(topic).json")
            do {
                let data = try Data(contentsOf: url)
                guard let cases = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                    throw FixtureError("not an array of objects")
                }
                var names: Set<String> = []
                for (index, object) in cases.enumerated() {
                    do {
                        let vector = try parse(object, topic: topic)
                        guard names.insert(vector.name).inserted else { throw FixtureError("duplicate name") }
                        vectors.append(vector)
                    } catch {
                        throw FixtureError("case \(index) (\(object["name"] ?? "?")): \(error)")
                    }
                }
            } catch {
                throw FixtureError("\(topic).json: \(error)")
            }
        }
        return vectors
    }

    /// One case, checked for unknown keys and contradictory expectations.
    private static func parse(_ object: [String: Any], topic: String) throws -> Vector {
        if let extra = Set(object.keys).subtracting(keys).first { throw FixtureError("unknown key \(extra)") }
        /// The string value of `key`, if present.
        func string(_ key: String) throws -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value as? String else { throw FixtureError("\(key) must be a string") }
            return text
        }
        guard let name = try string("name"), let descriptors = try string("descriptors"),
            let type = try string("type")
        else { throw FixtureError("name, descriptors and type are required") }
        var json: [UInt8]? = try string("json").map { Array($0.utf8) }
        if let hex = try string("json_hex") {
            guard json == nil else { throw FixtureError("json and json_hex are exclusive") }
            json = try Hex.decode(hex)
        }
        let binary = try string("binary_hex").map(Hex.decode)
        let exact = (object["exact"] as? Bool) ?? false
        var expectJSON: Vector.ExpectedJSON?
        if let expected = object["expect_json"] {
            if exact {
                guard let text = expected as? String else { throw FixtureError("exact expect_json must be text") }
                expectJSON = .exact(text)
            } else {
                expectJSON = .value(try JSONValue(foundation: expected))
            }
        } else if exact {
            throw FixtureError("exact without expect_json")
        }
        let error = try string("error")
        let validate = try string("validate")
        if error != nil, expectJSON != nil { throw FixtureError("error and expect_json are exclusive") }
        if error != nil, json != nil, binary != nil { throw FixtureError("an error case has one input") }
        var decoding = JSONDecodingOptions()
        var encoding = JSONEncodingOptions()
        if let options = object["options"] {
            guard let options = options as? [String: Any] else { throw FixtureError("options must be an object") }
            if let extra = Set(options.keys).subtracting(optionKeys).first {
                throw FixtureError("unknown option \(extra)")
            }
            encoding.emitUnpopulated = options["emitUnpopulated"] as? Bool ?? false
            encoding.useProtoNames = options["useProtoNames"] as? Bool ?? false
            encoding.enumsAsNumbers = options["enumsAsNumbers"] as? Bool ?? false
            encoding.indent = options["indent"] as? Int ?? 0
            decoding.ignoreUnknownFields = options["ignoreUnknownFields"] as? Bool ?? false
            if let depth = options["maxDepth"] as? Int {
                encoding.maxDepth = depth
                decoding.maxDepth = depth
            }
        }
        let vector = Vector(
            topic: topic, name: name, descriptors: descriptors, type: type, json: json, binary: binary,
            expectJSON: expectJSON, error: error, validate: validate,
            unordered: (object["unordered"] as? Bool) ?? false, decodingOptions: decoding,
            encodingOptions: encoding, knownIssue: try string("known_issue"))
        guard vector.isJSONToBinary || vector.isBinaryToJSON || vector.isJSONToJSON || vector.isValidate else {
            throw FixtureError("the case checks nothing")
        }
        return vector
    }
}
