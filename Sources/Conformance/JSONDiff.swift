/// The differences between an expected and an actual JSON value, one line per difference,
/// each located by its JSON path under `path` (`response.body.items[2].name`).
func jsonDifferences(expected: JSONValue, got: JSONValue, at path: String) -> [String] {
    switch (expected, got) {
    case (.object(let want), .object(let have)):
        var lines: [String] = []
        for key in Set(want.keys).union(have.keys).sorted() {
            lines += optionalDifferences(want[key], have[key], at: path + "." + key, describe: \.text, describeGot: \.text) {
                jsonDifferences(expected: $0, got: $1, at: $2)
            }
        }
        return lines
    case (.array(let want), .array(let have)):
        return listDifferences(want, have, at: path, describe: \.text, describeGot: \.text) { jsonDifferences(expected: $0, got: $1, at: $2) }
    default:
        return expected == got ? [] : ["\(path): expected \(expected.text), got \(got.text)"]
    }
}

/// Lists compared item by item at `path[i]`; a missing or extra item is one line.
func listDifferences<Want, Have>(
    _ expected: [Want], _ got: [Have], at path: String,
    describe: (Want) -> String, describeGot: (Have) -> String, compare: (Want, Have, String) -> [String]
) -> [String] {
    (0..<max(expected.count, got.count)).flatMap { index in
        optionalDifferences(
            index < expected.count ? expected[index] : nil, index < got.count ? got[index] : nil,
            at: "\(path)[\(index)]", describe: describe, describeGot: describeGot, compare: compare)
    }
}

/// An item that may be missing on either side: `expected X, got nothing` and the reverse.
func optionalDifferences<Want, Have>(
    _ expected: Want?, _ got: Have?, at path: String,
    describe: (Want) -> String, describeGot: (Have) -> String, compare: (Want, Have, String) -> [String]
) -> [String] {
    switch (expected, got) {
    case (let want?, let have?): compare(want, have, path)
    case (let want?, nil): ["\(path): expected \(describe(want)), got nothing"]
    case (nil, let have?): ["\(path): expected nothing, got \(describeGot(have))"]
    case (nil, nil): []
    }
}
