import Foundation
import ProtoJSON
import Testing

/// Runs the cases of the vector files, one test function per direction of conversion.
@Suite("Vectors")
struct VectorTests {
    /// Every topic has a non-empty file, and every direction has cases.
    @Test func vectorFilesAreComplete() throws {
        let directory = try Vectors.directory()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files) == Set(Vectors.topics.map { "\($0).json" }))
        let vectors = try Vectors.all.get()
        for topic in Vectors.topics {
            #expect(vectors.contains { $0.topic == topic }, "\(topic).json has no cases")
        }
        #expect(vectors.contains { $0.isJSONToBinary })
        #expect(vectors.contains { $0.isBinaryToJSON })
        #expect(vectors.contains { $0.isJSONToJSON })
        #expect(vectors.contains { $0.isValidate })
    }

    /// JSON input converts to the expected binary, or fails with the expected error.
    @Test("JSON to binary", arguments: try Vectors.cases(\.isJSONToBinary))
    func jsonToBinary(_ vector: Vector) throws {
        let (codec, index) = try vector.codec()
        try checking(vector) {
            let result = Result { () throws(CodecError) in
                try codec.binary(fromJSON: vector.json!, messageIndex: index, options: vector.decodingOptions)
            }
            if let error = vector.error {
                expectFailure(result, error, vector)
            } else if let expected = vector.binary, let bytes = success(result, vector) {
                if vector.unordered {
                    let actualJSON = try codec.json(fromBinary: bytes, messageIndex: index)
                    let expectedJSON = try codec.json(fromBinary: expected, messageIndex: index)
                    #expect(
                        try JSONValue(parsing: actualJSON) == JSONValue(parsing: expectedJSON),
                        "\(vector): \(Hex.encode(bytes)) is not \(Hex.encode(expected)) reordered")
                } else {
                    #expect(Hex.encode(bytes) == Hex.encode(expected), "\(vector)")
                }
            }
        }
    }

    /// Binary input converts to the expected JSON, or fails with the expected error.
    @Test("binary to JSON", arguments: try Vectors.cases(\.isBinaryToJSON))
    func binaryToJSON(_ vector: Vector) throws {
        let (codec, index) = try vector.codec()
        try checking(vector) {
            let result = Result { () throws(CodecError) in
                try codec.json(fromBinary: vector.binary!, messageIndex: index, options: vector.encodingOptions)
            }
            if let expected = vector.expectJSON {
                if let output = success(result, vector) { try expectJSON(output, expected, vector) }
            } else if let error = vector.error {
                expectFailure(result, error, vector)
            }
        }
    }

    /// JSON input converts to binary and back to the expected JSON.
    @Test("JSON to binary to JSON", arguments: try Vectors.cases(\.isJSONToJSON))
    func jsonToJSON(_ vector: Vector) throws {
        let (codec, index) = try vector.codec()
        try checking(vector) {
            let result = Result { () throws(CodecError) in
                let binary = try codec.binary(fromJSON: vector.json!, messageIndex: index, options: vector.decodingOptions)
                return try codec.json(fromBinary: binary, messageIndex: index, options: vector.encodingOptions)
            }
            if let output = success(result, vector), let expected = vector.expectJSON {
                try expectJSON(output, expected, vector)
            }
        }
    }

    /// Binary input passes validation, or fails it with the expected error.
    @Test("validate binary", arguments: try Vectors.cases(\.isValidate))
    func validate(_ vector: Vector) throws {
        let (codec, index) = try vector.codec()
        try checking(vector) {
            let result = Result { () throws(CodecError) in
                try codec.validate(vector.binary!, messageIndex: index, maxDepth: vector.encodingOptions.maxDepth)
            }
            if vector.validate == "ok" {
                _ = success(result, vector)
            } else if let error = vector.validate {
                expectFailure(result, error, vector)
            }
        }
    }
}

/// Runs `body`, as a known issue when the vector is marked with one.
private func checking(_ vector: Vector, _ body: () throws -> Void) throws {
    if let issue = vector.knownIssue {
        withKnownIssue(Comment(rawValue: "\(vector): \(issue)")) { try body() }
    } else {
        try body()
    }
}

/// The value of a conversion that must succeed; records an issue naming the case otherwise.
private func success<T>(_ result: Result<T, CodecError>, _ vector: Vector) -> T? {
    switch result {
    case .success(let value): return value
    case .failure(let error):
        Issue.record("\(vector): unexpected error: \(error)")
        return nil
    }
}

/// Checks that a conversion failed with exactly `expected`.
private func expectFailure<T>(_ result: Result<T, CodecError>, _ expected: String, _ vector: Vector) {
    switch result {
    case .success(let value):
        let shown = (value as? [UInt8]).map { "binary \(Hex.encode($0)), or text \(String(decoding: $0, as: UTF8.self))" }
        Issue.record("\(vector): expected error \"\(expected)\", got success: \(shown ?? "\(value)")")
    case .failure(let error):
        #expect(error.description == expected, "\(vector)")
    }
}

/// Checks JSON output against an expected value or exact text.
private func expectJSON(_ output: [UInt8], _ expected: Vector.ExpectedJSON, _ vector: Vector) throws {
    let text = String(decoding: output, as: UTF8.self)
    switch expected {
    case .exact(let expectedText):
        #expect(text == expectedText, "\(vector)")
    case .value(let expectedValue):
        let actual: JSONValue
        do {
            actual = try JSONValue(parsing: output)
        } catch {
            Issue.record("\(vector): output is not JSON: \(text)")
            return
        }
        #expect(actual == expectedValue, "\(vector): output \(text)")
    }
}
