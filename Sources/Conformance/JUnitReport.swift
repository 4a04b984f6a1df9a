/// Writes results as JUnit XML, one test suite per case file, for CI systems.
public enum JUnitReport {
    /// The report of `results`: suites in the order their files first appear.
    public static func xml(_ results: [CaseResult]) -> String {
        var files: [String] = []
        var byFile: [String: [CaseResult]] = [:]
        for result in results {
            if byFile[result.testCase.file] == nil { files.append(result.testCase.file) }
            byFile[result.testCase.file, default: []].append(result)
        }
        let failures = results.filter { !$0.passed }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"darwaza conformance\" tests=\"\(results.count)\" failures=\"\(failures)\">\n"
        for file in files {
            let cases = byFile[file] ?? []
            let time = cases.reduce(0) { $0 + $1.seconds }
            xml += "  <testsuite name=\"\(escape(file))\" tests=\"\(cases.count)\" failures=\"\(cases.filter { !$0.passed }.count)\" time=\"\(seconds(time))\">\n"
            for result in cases {
                xml += "    <testcase classname=\"\(escape(file))\" name=\"\(escape(result.testCase.name))\" time=\"\(seconds(result.seconds))\""
                if result.passed {
                    xml += "/>\n"
                } else {
                    let first = result.differences[0]
                    xml += ">\n      <failure message=\"\(escape(first))\">\(escape(result.differences.joined(separator: "\n")))</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func seconds(_ value: Double) -> String {
        String(Double((value * 1000).rounded()) / 1000)
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
