import Foundation
import ProtoSchema
import SwiftProtobuf

/// The committed descriptor sets, loaded once, and helpers to build small sets in tests.
enum SchemaFixtures {
    /// The repository root, found from this file's path (Tests/ProtoSchemaTests/SchemaFixtures.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of a file in proto/descriptors.
    static func path(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("proto/descriptors/\(name)").path
    }

    /// The pool of all_types_editions.binpb (which holds every file of all_types.binpb too).
    static let allTypes: Result<DescriptorPool, SchemaError> = Result { () throws(SchemaError) in
        try DescriptorPool(paths: [path("all_types_editions.binpb")])
    }

    /// The pool of payments.binpb.
    static let payments: Result<DescriptorPool, SchemaError> = Result { () throws(SchemaError) in
        try DescriptorPool(paths: [path("payments.binpb")])
    }

    /// The description of the error that loading these sets fails with, or nil if they load.
    static func loadError(_ sets: [(source: String, bytes: [UInt8])]) -> String? {
        do {
            _ = try DescriptorPool(descriptorSets: sets)
            return nil
        } catch {
            return error.description
        }
    }

    /// A pool of the given files, as one serialized set.
    static func pool(_ files: [Google_Protobuf_FileDescriptorProto]) throws -> DescriptorPool {
        try DescriptorPool(descriptorSets: [("test.binpb", setBytes(files))])
    }

    /// The serialized `FileDescriptorSet` of these files.
    static func setBytes(_ files: [Google_Protobuf_FileDescriptorProto]) throws -> [UInt8] {
        var set = Google_Protobuf_FileDescriptorSet()
        set.file = files
        return try set.serializedBytes()
    }

    /// A .proto file in package `test`.
    static func file(
        _ name: String, syntax: String = "proto3", package: String = "test",
        messages: [Google_Protobuf_DescriptorProto] = [], enums: [Google_Protobuf_EnumDescriptorProto] = [],
        services: [Google_Protobuf_ServiceDescriptorProto] = [], extensions: [Google_Protobuf_FieldDescriptorProto] = []
    ) -> Google_Protobuf_FileDescriptorProto {
        var file = Google_Protobuf_FileDescriptorProto()
        file.name = name
        file.package = package
        file.syntax = syntax
        file.messageType = messages
        file.enumType = enums
        file.service = services
        file.extension = extensions
        return file
    }

    /// A message with these fields.
    static func message(
        _ name: String, fields: [Google_Protobuf_FieldDescriptorProto] = [], extensionRanges: [ClosedRange<Int32>] = []
    ) -> Google_Protobuf_DescriptorProto {
        var message = Google_Protobuf_DescriptorProto()
        message.name = name
        message.field = fields
        message.extensionRange = extensionRanges.map { range in
            var extensionRange = Google_Protobuf_DescriptorProto.ExtensionRange()
            extensionRange.start = range.lowerBound
            extensionRange.end = range.upperBound + 1
            return extensionRange
        }
        return message
    }

    /// A field; `typeName` names the message or enum of message and enum fields.
    static func field(
        _ name: String, _ number: Int32, _ type: Google_Protobuf_FieldDescriptorProto.TypeEnum,
        label: Google_Protobuf_FieldDescriptorProto.Label = .optional, typeName: String? = nil, extendee: String? = nil
    ) -> Google_Protobuf_FieldDescriptorProto {
        var field = Google_Protobuf_FieldDescriptorProto()
        field.name = name
        field.number = number
        field.type = type
        field.label = label
        if let typeName { field.typeName = typeName }
        if let extendee { field.extendee = extendee }
        return field
    }

    /// An enum with these values.
    static func enumType(_ name: String, values: [(String, Int32)]) -> Google_Protobuf_EnumDescriptorProto {
        var enumType = Google_Protobuf_EnumDescriptorProto()
        enumType.name = name
        enumType.value = values.map { name, number in
            var value = Google_Protobuf_EnumValueDescriptorProto()
            value.name = name
            value.number = number
            return value
        }
        return enumType
    }
}
