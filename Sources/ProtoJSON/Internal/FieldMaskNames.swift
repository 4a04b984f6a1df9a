/// The two spellings of a `google.protobuf.FieldMask` path: `foo_bar.baz` in protobuf,
/// `fooBar.baz` in JSON. Only paths that convert both ways without loss are accepted.
enum FieldMaskNames {
    /// `fooBar` -> `foo_bar`; nil for a path with an underscore or other character JSON paths
    /// cannot hold.
    static func snakeCase(_ path: Substring) -> String? {
        var result = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "A"..."Z":
                result.append("_")
                result.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            case "a"..."z", "0"..."9", ".":
                result.unicodeScalars.append(scalar)
            default:
                return nil
            }
        }
        return result
    }

    /// `foo_bar` -> `fooBar`; nil when the result would not convert back to the same path
    /// (upper-case letters, or an underscore not followed by a lower-case letter).
    static func camelCase(_ path: Substring) -> String? {
        var result = ""
        var afterUnderscore = false
        for scalar in path.unicodeScalars {
            switch scalar {
            case "_":
                if afterUnderscore { return nil }
                afterUnderscore = true
            case "a"..."z":
                result.unicodeScalars.append(afterUnderscore ? Unicode.Scalar(scalar.value - 32)! : scalar)
                afterUnderscore = false
            case "0"..."9", ".":
                if afterUnderscore { return nil }
                result.unicodeScalars.append(scalar)
            default:
                return nil
            }
        }
        return afterUnderscore ? nil : result
    }
}
