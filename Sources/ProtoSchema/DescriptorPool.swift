import Foundation

/// Every type of one or more `FileDescriptorSet`s, resolved and indexed once at load time.
/// Immutable: requests only read it, and a reload builds a new pool.
public final class DescriptorPool: Sendable {
    struct Tables {
        var fileNames: [String]
        var messages: [MessageDescriptor]
        var enums: [EnumDescriptor]
        var services: [ServiceDescriptor]
        var messageIndexByName: [String: Int]
        var enumIndexByName: [String: Int]
        var extensionsByName: [String: FieldDescriptor]
        var extensionsByExtendee: [Int: [UInt32: FieldDescriptor]]
    }

    /// The names of the loaded .proto files.
    public let fileNames: [String]
    /// Every message type; fields refer to them by index.
    public let messages: [MessageDescriptor]
    /// Every enum type; fields refer to them by index.
    public let enums: [EnumDescriptor]
    /// Every service.
    public let services: [ServiceDescriptor]
    private let messageIndexByName: [String: Int]
    private let enumIndexByName: [String: Int]
    private let extensionsByName: [String: FieldDescriptor]
    private let extensionsByExtendee: [Int: [UInt32: FieldDescriptor]]
    private let methodsByName: [String: MethodDescriptor]

    /// Loads serialized `FileDescriptorSet`s; each `source` names its set in errors. The files
    /// of `fallbackSets` fill in only what the other sets do not define (built-in types).
    public init(
        descriptorSets: [(source: String, bytes: [UInt8])], fallbackSets: [(source: String, bytes: [UInt8])] = []
    ) throws(SchemaError) {
        var builder = PoolBuilder()
        for set in descriptorSets { try builder.add(setBytes: set.bytes, source: set.source) }
        for set in fallbackSets { try builder.add(setBytes: set.bytes, source: set.source, fallback: true) }
        let tables = try builder.build()
        fileNames = tables.fileNames
        messages = tables.messages
        enums = tables.enums
        services = tables.services
        messageIndexByName = tables.messageIndexByName
        enumIndexByName = tables.enumIndexByName
        extensionsByName = tables.extensionsByName
        extensionsByExtendee = tables.extensionsByExtendee
        var methods: [String: MethodDescriptor] = [:]
        for service in tables.services {
            for method in service.methods { methods[method.fullName] = method }
        }
        methodsByName = methods
    }

    /// Loads the `FileDescriptorSet` files at these paths.
    public convenience init(paths: [String], fallbackSets: [(source: String, bytes: [UInt8])] = []) throws(SchemaError) {
        var sets: [(source: String, bytes: [UInt8])] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SchemaError("\(path): cannot read the file")
            }
            sets.append((path, [UInt8](data)))
        }
        try self.init(descriptorSets: sets, fallbackSets: fallbackSets)
    }

    /// The index of the message with this fully qualified name.
    public func messageIndex(named name: String) -> Int? { messageIndexByName[name] }

    /// The message with this fully qualified name.
    public func message(named name: String) -> MessageDescriptor? {
        messageIndexByName[name].map { messages[$0] }
    }

    /// The enum with this fully qualified name.
    public func enumType(named name: String) -> EnumDescriptor? {
        enumIndexByName[name].map { enums[$0] }
    }

    /// The service with this fully qualified name.
    public func service(named name: String) -> ServiceDescriptor? {
        services.first { $0.fullName == name }
    }

    /// The method named `package.Service.Method`.
    public func method(named name: String) -> MethodDescriptor? { methodsByName[name] }

    /// The extension with this fully qualified name.
    public func extensionField(named name: String) -> FieldDescriptor? { extensionsByName[name] }

    /// The extension of the message at `extendeeIndex` with this number.
    public func extensionField(extendeeIndex: Int, number: UInt32) -> FieldDescriptor? {
        extensionsByExtendee[extendeeIndex]?[number]
    }

    /// The extensions of the message at `extendeeIndex`, sorted by number.
    public func extensionFields(extendeeIndex: Int) -> [FieldDescriptor] {
        (extensionsByExtendee[extendeeIndex]?.values).map { $0.sorted { $0.number < $1.number } } ?? []
    }
}
