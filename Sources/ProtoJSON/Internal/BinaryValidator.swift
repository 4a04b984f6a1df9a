import ProtoSchema

/// Checks that protobuf binary is well-formed for a message type without converting it:
/// tags, lengths, groups, packed runs, UTF-8 where the field requires it, and nesting depth.
struct BinaryValidator {
    let pool: DescriptorPool
    let maxDepth: Int

    func validate(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ messageIndex: Int, depth: Int) throws(CodecError) {
        guard depth <= maxDepth else { throw CodecError("nesting exceeds the depth limit of \(maxDepth)") }
        let message = pool.messages[messageIndex]
        var reader = WireReader(bytes, from: range.lowerBound, to: range.upperBound)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            let payload = try reader.skipValue(number: number, wireType: wireType, depth: depth, maxDepth: maxDepth)
            let field: FieldDescriptor
            if let known = message.field(number: number) {
                field = known
            } else if let ext = pool.extensionField(extendeeIndex: messageIndex, number: number) {
                field = ext
            } else {
                continue
            }
            do throws(CodecError) {
                try validate(field, wireType, bytes, payload, depth: depth)
            } catch {
                throw error.inField(field.jsonName)
            }
        }
    }

    private func validate(
        _ field: FieldDescriptor, _ wireType: WireType, _ bytes: UnsafeRawBufferPointer, _ payload: Range<Int>, depth: Int
    ) throws(CodecError) {
        let kind = field.kind
        if wireType == .lengthDelimited, field.isRepeated, kind.isPackable {
            var reader = WireReader(bytes, from: payload.lowerBound, to: payload.upperBound)
            while !reader.isAtEnd {
                switch kind.wireType {
                case .fixed32: _ = try reader.readFixed32()
                case .fixed64: _ = try reader.readFixed64()
                default: _ = try reader.readVarint()
                }
            }
            return
        }
        guard wireType == kind.wireType else { return }
        switch kind {
        case .message, .group:
            try validate(bytes, payload, field.messageIndex, depth: depth + 1)
        case .string where field.validatesUTF8:
            guard UTF8Validation.isValid(bytes, payload) else { throw CodecError("invalid UTF-8 in string value") }
        default:
            break
        }
    }
}
