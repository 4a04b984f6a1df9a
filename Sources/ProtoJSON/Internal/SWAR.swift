/// Eight-bytes-at-a-time tests for the string scanners: whether a word holds a byte that ends
/// a plain run (a quote, a backslash, a control character or a non-ASCII byte).
enum SWAR {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }

    /// Whether any byte of `word` is `"`, `\`, below 0x20, or 0x80 and above.
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        word & highs != 0
            || hasZeroByte(word ^ (ones &* 0x22))
            || hasZeroByte(word ^ (ones &* 0x5C))
            || (word &- ones &* 0x20) & ~word & highs != 0
    }
}
