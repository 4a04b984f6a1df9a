#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable hash table from UTF-8 names to small integers, looked up by raw bytes so that
/// a codec can resolve a JSON key without building a `String`.
public struct NameTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt32 = 0
        var start: Int32 = 0
        var length: Int32 = -1  // -1 marks an empty slot
        var value: Int32 = 0
    }

    private let slots: [Slot]
    private let names: [UInt8]
    private let mask: Int

    /// Builds a table; when a name occurs twice, its first value wins.
    public init(_ entries: [(name: String, value: Int)]) {
        var capacity = 4
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        var names: [UInt8] = []
        let mask = capacity - 1
        for (name, value) in entries {
            let bytes = Array(name.utf8)
            let hash = bytes.withUnsafeBytes { NameTable.hash($0) }
            var index = Int(hash) & mask
            var duplicate = false
            while slots[index].length >= 0 {
                let slot = slots[index]
                if slot.hash == hash,
                    names[Int(slot.start)..<Int(slot.start + slot.length)].elementsEqual(bytes)
                {
                    duplicate = true
                    break
                }
                index = (index + 1) & mask
            }
            if duplicate { continue }
            slots[index] = Slot(
                hash: hash, start: Int32(names.count), length: Int32(bytes.count), value: Int32(value))
            names.append(contentsOf: bytes)
        }
        self.slots = slots
        self.names = names
        self.mask = mask
    }

    /// FNV-1a over the bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return hash
    }

    /// The value stored for the name spelled by `bytes`.
    public func value(for bytes: UnsafeRawBufferPointer) -> Int? {
        let hash = NameTable.hash(bytes)
        var index = Int(hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            names.withUnsafeBytes { names in
                while true {
                    let slot = slots[index]
                    if slot.length < 0 { return nil }
                    if slot.hash == hash, Int(slot.length) == bytes.count,
                        bytes.count == 0
                            || memcmp(names.baseAddress! + Int(slot.start), bytes.baseAddress!, bytes.count)
                                == 0
                    {
                        return Int(slot.value)
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// The value stored for `name`.
    public func value(for name: String) -> Int? {
        var name = name
        return name.withUTF8 { value(for: UnsafeRawBufferPointer($0)) }
    }
}
