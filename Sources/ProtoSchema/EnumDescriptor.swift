/// An enum type: its values by name and number, and whether unknown numbers are kept.
public final class EnumDescriptor: Sendable {
    /// The fully qualified name.
    public let fullName: String
    /// The values in declaration order; the first is the default.
    public let values: [(name: String, number: Int32)]
    /// Whether the enum is closed (proto2 semantics): unknown numbers are not valid values.
    public let isClosed: Bool
    /// Whether this is `google.protobuf.NullValue`, whose JSON form is `null`.
    public let isNullValue: Bool
    private let numberByName: [String: Int32]
    private let nameByNumber: [Int32: String]

    init(fullName: String, values: [(name: String, number: Int32)], isClosed: Bool) {
        self.fullName = fullName
        self.values = values
        self.isClosed = isClosed
        self.isNullValue = fullName == "google.protobuf.NullValue"
        var byName: [String: Int32] = [:]
        var byNumber: [Int32: String] = [:]
        for value in values {
            byName[value.name] = value.number
            // With allow_alias the first name of a number is the one written.
            if byNumber[value.number] == nil { byNumber[value.number] = value.name }
        }
        numberByName = byName
        nameByNumber = byNumber
    }

    /// The number of the value with this name.
    public func number(named name: String) -> Int32? { numberByName[name] }

    /// The (first) name of the value with this number.
    public func name(of number: Int32) -> String? { nameByNumber[number] }

    /// Whether `number` is a declared value.
    public func contains(_ number: Int32) -> Bool { nameByNumber[number] != nil }
}
