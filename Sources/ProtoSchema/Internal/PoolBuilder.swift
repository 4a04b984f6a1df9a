import SwiftProtobuf

/// Turns the files of one or more descriptor sets into the pool's immutable tables: first every
/// symbol is named and numbered, then every field, method and extension is resolved against them.
struct PoolBuilder {
    private struct PendingMessage {
        let proto: Google_Protobuf_DescriptorProto
        let fullName: String
        let file: Google_Protobuf_FileDescriptorProto
        let features: Features
    }

    private struct PendingExtension {
        let proto: Google_Protobuf_FieldDescriptorProto
        let scope: String
        let file: Google_Protobuf_FileDescriptorProto
        let features: Features
    }

    private var files: [(proto: Google_Protobuf_FileDescriptorProto, source: String)] = []
    private var fallbackFiles: [(proto: Google_Protobuf_FileDescriptorProto, source: String)] = []
    private var pendingMessages: [PendingMessage] = []
    private var pendingExtensions: [PendingExtension] = []
    private var enumProtos: [(proto: Google_Protobuf_EnumDescriptorProto, fullName: String, closed: Bool)] = []
    private var symbolFiles: [String: String] = [:]
    private(set) var messageIndexByName: [String: Int] = [:]
    private(set) var enumIndexByName: [String: Int] = [:]

    /// Adds the files of a serialized `FileDescriptorSet`; `source` names it in errors.
    /// Files of a fallback set are used only where no other set defines their file or symbols.
    mutating func add(setBytes: [UInt8], source: String, fallback: Bool = false) throws(SchemaError) {
        let set: Google_Protobuf_FileDescriptorSet
        do {
            set = try Google_Protobuf_FileDescriptorSet(serializedBytes: setBytes)
        } catch {
            throw SchemaError("\(source): not a binary FileDescriptorSet (\(error))")
        }
        if fallback {
            fallbackFiles.append(contentsOf: set.file.map { ($0, source) })
            return
        }
        for file in set.file {
            if let existing = files.first(where: { $0.proto.name == file.name }) {
                guard existing.proto == file else {
                    throw SchemaError(
                        "\(file.name): defined differently in \(existing.source) and \(source)")
                }
                continue
            }
            files.append((file, source))
        }
    }

    /// Builds the pool's tables.
    mutating func build() throws(SchemaError) -> DescriptorPool.Tables {
        for (file, _) in files { try declare(file: file) }
        for fallback in fallbackFiles where !files.contains(where: { $0.proto.name == fallback.proto.name }) {
            let prefix = fallback.proto.package.isEmpty ? "" : fallback.proto.package + "."
            let names = fallback.proto.messageType.map(\.name) + fallback.proto.enumType.map(\.name)
                + fallback.proto.service.map(\.name) + fallback.proto.extension.map(\.name)
            guard !names.contains(where: { symbolFiles[prefix + $0] != nil }) else { continue }
            files.append(fallback)
            try declare(file: fallback.proto)
        }
        var messages: [MessageDescriptor] = []
        messages.reserveCapacity(pendingMessages.count)
        for pending in pendingMessages { messages.append(try resolve(message: pending)) }
        let enums = enumProtos.map { entry in
            EnumDescriptor(
                fullName: entry.fullName,
                values: entry.proto.value.map { ($0.name, $0.number) },
                isClosed: entry.closed)
        }
        var extensionsByName: [String: FieldDescriptor] = [:]
        var extensionsByExtendee: [Int: [UInt32: FieldDescriptor]] = [:]
        for pending in pendingExtensions {
            let field = try resolve(
                field: pending.proto, scope: pending.scope, file: pending.file.name,
                features: pending.features, oneofIndex: -1, messages: messages)
            if let other = extensionsByExtendee[field.extendeeIndex]?[field.number] {
                throw SchemaError(
                    "\(pending.file.name): extension \(field.fullName) reuses number \(field.number) of \(other.fullName)")
            }
            extensionsByName[field.fullName] = field
            extensionsByExtendee[field.extendeeIndex, default: [:]][field.number] = field
        }
        var services: [ServiceDescriptor] = []
        for (file, _) in files {
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for service in file.service {
                let serviceName = prefix + service.name
                var methods: [MethodDescriptor] = []
                for method in service.method {
                    let what = "\(file.name): \(serviceName).\(method.name)"
                    methods.append(
                        MethodDescriptor(
                            name: method.name, serviceName: serviceName,
                            inputIndex: try messageIndex(method.inputType, scope: serviceName, what: what),
                            outputIndex: try messageIndex(method.outputType, scope: serviceName, what: what),
                            clientStreaming: method.clientStreaming,
                            serverStreaming: method.serverStreaming,
                            optionsBytes: (try? method.options.serializedBytes()) ?? []))
                }
                services.append(ServiceDescriptor(fullName: serviceName, fileName: file.name, methods: methods))
            }
        }
        return DescriptorPool.Tables(
            fileNames: files.map(\.proto.name), messages: messages, enums: enums, services: services,
            messageIndexByName: messageIndexByName, enumIndexByName: enumIndexByName,
            extensionsByName: extensionsByName, extensionsByExtendee: extensionsByExtendee)
    }

    // MARK: Naming every symbol

    private mutating func claim(_ name: String, in file: String) throws(SchemaError) {
        if let other = symbolFiles[name] {
            throw SchemaError(
                other == file
                    ? "\(file): \(name) is defined twice"
                    : "\(file): \(name) is already defined in \(other)")
        }
        symbolFiles[name] = file
    }

    private mutating func declare(file: Google_Protobuf_FileDescriptorProto) throws(SchemaError) {
        let scope = file.package
        let features = Features.of(file: file)
        for message in file.messageType {
            try declare(message: message, scope: scope, file: file, features: features)
        }
        for enumType in file.enumType {
            try declare(enumType: enumType, scope: scope, file: file.name, features: features)
        }
        for field in file.extension {
            pendingExtensions.append(PendingExtension(proto: field, scope: scope, file: file, features: features))
            try claim(Self.join(scope, field.name), in: file.name)
        }
        for service in file.service {
            try claim(Self.join(scope, service.name), in: file.name)
        }
    }

    private mutating func declare(
        message: Google_Protobuf_DescriptorProto, scope: String,
        file: Google_Protobuf_FileDescriptorProto, features: Features
    ) throws(SchemaError) {
        let fullName = Self.join(scope, message.name)
        try claim(fullName, in: file.name)
        let features = message.options.hasFeatures ? features.merged(with: message.options.features) : features
        messageIndexByName[fullName] = pendingMessages.count
        pendingMessages.append(PendingMessage(proto: message, fullName: fullName, file: file, features: features))
        for nested in message.nestedType {
            try declare(message: nested, scope: fullName, file: file, features: features)
        }
        for enumType in message.enumType {
            try declare(enumType: enumType, scope: fullName, file: file.name, features: features)
        }
        for field in message.extension {
            pendingExtensions.append(PendingExtension(proto: field, scope: fullName, file: file, features: features))
            try claim(Self.join(fullName, field.name), in: file.name)
        }
    }

    private mutating func declare(
        enumType: Google_Protobuf_EnumDescriptorProto, scope: String, file: String, features: Features
    ) throws(SchemaError) {
        let fullName = Self.join(scope, enumType.name)
        try claim(fullName, in: file)
        if enumType.value.isEmpty { throw SchemaError("\(file): enum \(fullName) has no values") }
        let features = enumType.options.hasFeatures ? features.merged(with: enumType.options.features) : features
        enumIndexByName[fullName] = enumProtos.count
        enumProtos.append((enumType, fullName, features.closedEnums))
    }

    private static func join(_ scope: String, _ name: String) -> String {
        scope.isEmpty ? name : scope + "." + name
    }

    // MARK: Resolving references

    private func resolve(message pending: PendingMessage) throws(SchemaError) -> MessageDescriptor {
        let proto = pending.proto
        // Synthetic oneofs (proto3 `optional`) are presence, not choice: leave them out.
        var oneofMap: [Int: Int] = [:]
        var oneofNames: [String] = []
        for (index, oneof) in proto.oneofDecl.enumerated() {
            let members = proto.field.filter { $0.hasOneofIndex && Int($0.oneofIndex) == index }
            if members.isEmpty || members.allSatisfy(\.proto3Optional) { continue }
            oneofMap[index] = oneofNames.count
            oneofNames.append(oneof.name)
        }
        var fields: [FieldDescriptor] = []
        for fieldProto in proto.field {
            let oneof = fieldProto.hasOneofIndex ? oneofMap[Int(fieldProto.oneofIndex)] ?? -1 : -1
            fields.append(
                try resolve(
                    field: fieldProto, scope: pending.fullName, file: pending.file.name,
                    features: pending.features, oneofIndex: oneof, messages: nil))
        }
        fields.sort { $0.number < $1.number }
        for index in fields.indices.dropFirst() where fields[index].number == fields[index - 1].number {
            throw SchemaError(
                "\(pending.file.name): \(pending.fullName) uses field number \(fields[index].number) twice")
        }
        var oneofs = oneofNames.map { (name: $0, fieldIndices: [Int]()) }
        for (index, field) in fields.enumerated() where field.oneofIndex >= 0 {
            oneofs[field.oneofIndex].fieldIndices.append(index)
        }
        return MessageDescriptor(
            fullName: pending.fullName, fileName: pending.file.name, fields: fields, oneofs: oneofs,
            isMapEntry: proto.options.mapEntry, isExtensible: !proto.extensionRange.isEmpty)
    }

    /// Resolves one field or extension; `messages` is needed only to recognise map entries of
    /// extensions, which are resolved after all messages.
    private func resolve(
        field proto: Google_Protobuf_FieldDescriptorProto, scope: String, file: String,
        features scopeFeatures: Features, oneofIndex: Int, messages: [MessageDescriptor]?
    ) throws(SchemaError) -> FieldDescriptor {
        let fullName = Self.join(scope, proto.name)
        let what = "\(file): \(fullName)"
        guard proto.number > 0, proto.number <= 536_870_911 else {
            throw SchemaError("\(what): invalid field number \(proto.number)")
        }
        guard var kind = FieldKind(rawValue: UInt8(truncatingIfNeeded: proto.type.rawValue)) else {
            throw SchemaError("\(what): unknown field type \(proto.type.rawValue)")
        }
        let features = Features.of(field: proto, in: scopeFeatures)
        var messageIndex = -1
        var enumIndex = -1
        var isMap = false
        switch kind {
        case .message, .group:
            messageIndex = try self.messageIndex(proto.typeName, scope: scope, what: what)
            let target = pendingMessages[messageIndex].proto
            isMap = target.options.mapEntry && proto.label == .repeated
            if features.delimited && !isMap { kind = .group }
        case .enumeration:
            guard let index = resolveName(proto.typeName, scope: scope, in: enumIndexByName) else {
                throw SchemaError("\(what): unknown enum type \(proto.typeName)")
            }
            enumIndex = index
        default:
            break
        }
        var extendeeIndex = -1
        if proto.hasExtendee {
            extendeeIndex = try self.messageIndex(proto.extendee, scope: scope, what: what)
        }
        let isRepeated = proto.label == .repeated
        let hasPresence =
            !isRepeated
            && (features.presence != .implicit || oneofIndex >= 0 || kind == .message || kind == .group
                || extendeeIndex >= 0)
        return FieldDescriptor(
            name: proto.name,
            jsonName: extendeeIndex >= 0
                ? "[" + fullName + "]" : (proto.hasJsonName ? proto.jsonName : Self.camelCase(proto.name)),
            fullName: fullName, number: UInt32(proto.number), kind: kind, isRepeated: isRepeated,
            isRequired: features.presence == .legacyRequired, hasPresence: hasPresence,
            isPacked: isRepeated && kind.isPackable && features.packed,
            validatesUTF8: features.validatesUTF8, messageIndex: messageIndex, enumIndex: enumIndex,
            oneofIndex: oneofIndex, isMap: isMap, extendeeIndex: extendeeIndex,
            defaultValueText: proto.hasDefaultValue ? proto.defaultValue : nil)
    }

    private func messageIndex(_ typeName: String, scope: String, what: String) throws(SchemaError) -> Int {
        guard let index = resolveName(typeName, scope: scope, in: messageIndexByName) else {
            throw SchemaError("\(what): unknown message type \(typeName)")
        }
        return index
    }

    /// Resolves a type reference: fully qualified with a leading dot, or relative to `scope`
    /// and its enclosing scopes, innermost first.
    private func resolveName(_ name: String, scope: String, in table: [String: Int]) -> Int? {
        if name.hasPrefix(".") { return table[String(name.dropFirst())] }
        var scope = Substring(scope)
        while true {
            if let index = table[scope.isEmpty ? name : scope + "." + name] { return index }
            if scope.isEmpty { return nil }
            scope = scope[..<(scope.lastIndex(of: ".") ?? scope.startIndex)]
        }
    }

    /// The default JSON name of a field: underscores removed, each following letter upper-cased.
    static func camelCase(_ name: String) -> String {
        var result = ""
        var upperNext = false
        for character in name {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                result += character.uppercased()
                upperNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }
}
