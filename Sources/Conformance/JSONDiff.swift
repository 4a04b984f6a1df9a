/// The differences between an expected and an actual JSON value, one line per difference,
/// each located by its JSON path under `path` (`response.body.items[2].name`).
func jsonDifferences(expected: JSONValue, got: JSONValue, at path: String) -> [String] {
    switch (expected, got) {
    case (.object(let want), .object(let have)):
        var lines: [String] = []
        for key in Set(want.keys).union(have.keys).sorted() {
            let child = path + "." + key
            switch (want[key], have[key]) {
            case (let want?, let have?): lines += jsonDifferences(expected: want, got: have, at: child)
            case (let want?, nil): lines.append("\(child): expected \(want.text), got nothing")
            case (nil, let have?): lines.append("\(child): expected nothing, got \(have.text)")
            case (nil, nil): break
            }
        }
        return lines
    case (.array(let want), .array(let have)):
        var lines: [String] = []
        for index in 0..<max(want.count, have.count) {
            let child = "\(path)[\(index)]"
            if index >= have.count {
                lines.append("\(child): expected \(want[index].text), got nothing")
            } else if index >= want.count {
                lines.append("\(child): expected nothing, got \(have[index].text)")
            } else {
                lines += jsonDifferences(expected: want[index], got: have[index], at: child)
            }
        }
        return lines
    default:
        return expected == got ? [] : ["\(path): expected \(expected.text), got \(got.text)"]
    }
}
