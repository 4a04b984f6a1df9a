/// A set of small indices (fields or oneofs of one message), inline up to 64 members.
struct FieldSet {
    private var small: UInt64 = 0
    private var large: [UInt64]

    init(capacity: Int) {
        large = capacity > 64 ? [UInt64](repeating: 0, count: (capacity + 63) / 64) : []
    }

    /// Inserts `index`; returns false when it was already present.
    @inline(__always)
    mutating func insert(_ index: Int) -> Bool {
        if large.isEmpty {
            let bit: UInt64 = 1 << UInt64(index)
            defer { small |= bit }
            return small & bit == 0
        }
        let bit: UInt64 = 1 << UInt64(index % 64)
        defer { large[index / 64] |= bit }
        return large[index / 64] & bit == 0
    }

    @inline(__always)
    func contains(_ index: Int) -> Bool {
        if large.isEmpty { return small & (1 << UInt64(index)) != 0 }
        return large[index / 64] & (1 << UInt64(index % 64)) != 0
    }
}
