import SwiftProtobuf

/// The resolved editions features that change how a field is encoded or written as JSON.
/// proto2 and proto3 files are expressed in the same terms, so that the rest of the pool
/// has one set of rules.
struct Features {
    enum Presence { case explicit, implicit, legacyRequired }

    var presence: Presence
    var closedEnums: Bool
    var packed: Bool
    var validatesUTF8: Bool
    var delimited: Bool

    /// The defaults of a file's syntax or edition, with the file's own features applied.
    static func of(file: Google_Protobuf_FileDescriptorProto) -> Features {
        let base: Features
        switch file.syntax {
        case "proto3":
            base = Features(
                presence: .implicit, closedEnums: false, packed: true, validatesUTF8: true,
                delimited: false)
        case "editions":
            base = Features(
                presence: .explicit, closedEnums: false, packed: true, validatesUTF8: true,
                delimited: false)
        default:
            base = Features(
                presence: .explicit, closedEnums: true, packed: false, validatesUTF8: false,
                delimited: false)
        }
        return file.options.hasFeatures ? base.merged(with: file.options.features) : base
    }

    /// These features with every feature that `set` names overriding them.
    func merged(with set: Google_Protobuf_FeatureSet) -> Features {
        var result = self
        if set.hasFieldPresence {
            switch set.fieldPresence {
            case .implicit: result.presence = .implicit
            case .legacyRequired: result.presence = .legacyRequired
            default: result.presence = .explicit
            }
        }
        if set.hasEnumType { result.closedEnums = set.enumType == .closed }
        if set.hasRepeatedFieldEncoding { result.packed = set.repeatedFieldEncoding != .expanded }
        if set.hasUtf8Validation { result.validatesUTF8 = set.utf8Validation != .none }
        if set.hasMessageEncoding { result.delimited = set.messageEncoding == .delimited }
        return result
    }

    /// The features of one field: the scope's, then the field's own, then the legacy
    /// proto2/proto3 spellings of the same ideas (`required`, `[packed]`, `optional`, groups).
    static func of(field: Google_Protobuf_FieldDescriptorProto, in scope: Features) -> Features {
        var result = field.options.hasFeatures ? scope.merged(with: field.options.features) : scope
        if field.label == .required { result.presence = .legacyRequired }
        if field.proto3Optional { result.presence = .explicit }
        if field.options.hasPacked { result.packed = field.options.packed }
        if field.type == .group { result.delimited = true }
        return result
    }
}
