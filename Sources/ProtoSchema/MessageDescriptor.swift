/// A message type: its fields with their lookup tables, oneofs and JSON peculiarities.
public final class MessageDescriptor: Sendable {
    /// The fully qualified name, `package.Outer.Inner`.
    public let fullName: String
    /// The file that declares the message.
    public let fileName: String
    /// The fields, sorted by number.
    public let fields: [FieldDescriptor]
    /// The oneofs, each as its name and the indices of its fields in `fields`.
    public let oneofs: [(name: String, fieldIndices: [Int])]
    /// Whether this is the synthetic entry message of a map field (key = 1, value = 2).
    public let isMapEntry: Bool
    /// The well-known type this message is, if any.
    public let wellKnownType: WellKnownType?
    /// Whether the message declares extension ranges.
    public let isExtensible: Bool
    /// Field indices by JSON name and by proto name.
    public let fieldNames: NameTable
    /// For each field, the wire types its values may arrive with, as a bit set over raw wire
    /// type values: a plain copy of what a binary scanner needs, read without reference counting.
    public let acceptedWireTypes: [UInt8]
    private let denseIndexByNumber: [Int16]
    private let sparseIndexByNumber: [UInt32: Int]

    /// Field numbers up to this bound are looked up in a flat array.
    private static let denseLimit: UInt32 = 512

    init(
        fullName: String, fileName: String, fields: [FieldDescriptor],
        oneofs: [(name: String, fieldIndices: [Int])], isMapEntry: Bool, isExtensible: Bool
    ) {
        self.fullName = fullName
        self.fileName = fileName
        self.fields = fields
        self.oneofs = oneofs
        self.isMapEntry = isMapEntry
        self.isExtensible = isExtensible
        self.wellKnownType = WellKnownType(fullName: fullName)
        var names: [(name: String, value: Int)] = []
        for (index, field) in fields.enumerated() { names.append((field.jsonName, index)) }
        for (index, field) in fields.enumerated() { names.append((field.name, index)) }
        self.fieldNames = NameTable(names)
        self.acceptedWireTypes = fields.map { field in
            let native: UInt8 = 1 << field.kind.wireType.rawValue
            let packed: UInt8 = field.isRepeated && field.kind.isPackable ? 1 << WireType.lengthDelimited.rawValue : 0
            return native | packed
        }
        let maxDense = fields.lazy.map(\.number).filter { $0 <= Self.denseLimit }.max() ?? 0
        var dense = [Int16](repeating: -1, count: Int(maxDense) + 1)
        var sparse: [UInt32: Int] = [:]
        for (index, field) in fields.enumerated() {
            if field.number <= Self.denseLimit {
                dense[Int(field.number)] = Int16(index)
            } else {
                sparse[field.number] = index
            }
        }
        self.denseIndexByNumber = dense
        self.sparseIndexByNumber = sparse
    }

    /// The index in `fields` of the field with this number.
    @inline(__always)
    public func fieldIndex(number: UInt32) -> Int? {
        if number < UInt32(denseIndexByNumber.count) {
            let index = denseIndexByNumber[Int(number)]
            return index >= 0 ? Int(index) : nil
        }
        return sparseIndexByNumber[number]
    }

    /// The field with this number.
    public func field(number: UInt32) -> FieldDescriptor? {
        fieldIndex(number: number).map { fields[$0] }
    }

    /// The field with this JSON name or proto name.
    public func field(named name: String) -> FieldDescriptor? {
        fieldNames.value(for: name).map { fields[$0] }
    }
}
