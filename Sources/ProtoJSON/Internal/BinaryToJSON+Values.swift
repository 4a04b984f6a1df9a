import ProtoSchema

/// Writing field values: scalars, repeated fields and maps.
extension BinaryToJSON {
    /// Reads the raw bits of a varint or fixed-width value.
    @inline(__always)
    func readBits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ wireType: WireType) throws(CodecError) -> UInt64 {
        var reader = WireReader(bytes, from: range.lowerBound, to: range.upperBound)
        switch wireType {
        case .fixed32: return UInt64(try reader.readFixed32())
        case .fixed64: return try reader.readFixed64()
        default: return try reader.readVarint()
        }
    }

    /// Whether the value of an occurrence is its field's default (zero, false, empty).
    func isDefault(_ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ occurrence: Occurrence) throws(CodecError) -> Bool {
        if occurrence.wireType == .lengthDelimited { return occurrence.start == occurrence.end }
        let bits = try readBits(bytes, occurrence.start..<occurrence.end, occurrence.wireType)
        switch field.kind {
        case .int32, .uint32, .sint32, .enumeration, .bool: return UInt32(truncatingIfNeeded: bits) == 0
        default: return bits == 0
        }
    }

    /// Whether an occurrence holds a number that its closed enum does not declare; such values
    /// are unknown fields in protobuf, so JSON leaves them out.
    func isUnknownClosedEnum(_ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ occurrence: Occurrence) -> Bool {
        guard field.kind == .enumeration, pool.enums[field.enumIndex].isClosed,
            let bits = try? readBits(bytes, occurrence.start..<occurrence.end, occurrence.wireType)
        else { return false }
        return !pool.enums[field.enumIndex].contains(Int32(truncatingIfNeeded: bits))
    }

    /// Writes one scalar, string or bytes value.
    mutating func writeScalar(_ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ occurrence: Occurrence) throws(CodecError) {
        let range = occurrence.start..<occurrence.end
        switch field.kind {
        case .string:
            guard UTF8Validation.isValid(bytes, range) else { throw CodecError("invalid UTF-8 in string value") }
            out.appendJSONString(bytes, range)
        case .bytes:
            out.append(UInt8(ascii: "\""))
            Base64.encode(bytes, range, into: &out)
            out.append(UInt8(ascii: "\""))
        default:
            writeScalarBits(field, try readBits(bytes, range, occurrence.wireType))
        }
    }

    /// Writes a numeric, bool or enum value from its raw bits.
    mutating func writeScalarBits(_ field: FieldDescriptor, _ bits: UInt64) {
        switch field.kind {
        case .int32, .sfixed32: out.appendDecimal(Int64(Int32(truncatingIfNeeded: bits)))
        case .uint32, .fixed32: out.appendDecimal(UInt64(UInt32(truncatingIfNeeded: bits)))
        case .sint32: out.appendDecimal(Int64(Int32(truncatingIfNeeded: ZigZag.decode(UInt64(UInt32(truncatingIfNeeded: bits))))))
        case .bool: bits != 0 ? out.appendASCII("true") : out.appendASCII("false")
        case .float: out.appendJSONFloat(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .double: out.appendJSONDouble(Double(bitPattern: bits))
        case .int64, .sfixed64:
            out.append(UInt8(ascii: "\""))
            out.appendDecimal(Int64(bitPattern: bits))
            out.append(UInt8(ascii: "\""))
        case .uint64, .fixed64:
            out.append(UInt8(ascii: "\""))
            out.appendDecimal(bits)
            out.append(UInt8(ascii: "\""))
        case .sint64:
            out.append(UInt8(ascii: "\""))
            out.appendDecimal(ZigZag.decode(bits))
            out.append(UInt8(ascii: "\""))
        case .enumeration:
            writeEnum(pool.enums[field.enumIndex], Int32(truncatingIfNeeded: bits))
        default:
            break
        }
    }

    private mutating func writeEnum(_ enumType: EnumDescriptor, _ number: Int32) {
        if enumType.isNullValue { return out.appendASCII("null") }
        if !options.enumsAsNumbers, let name = enumType.name(of: number) {
            out.appendJSONString(name)
        } else {
            out.appendDecimal(Int64(number))
        }
    }

    /// Writes a repeated field's values, packed and unpacked occurrences alike, as an array;
    /// returns the number of values written.
    @discardableResult
    mutating func writeRepeated(
        _ field: FieldDescriptor, _ bytes: UnsafeRawBufferPointer, _ group: Range<Int>, depth: Int
    ) throws(CodecError) -> Int {
        openContainer(UInt8(ascii: "["))
        var first = true
        var index = 0
        let closedEnum = field.kind == .enumeration && pool.enums[field.enumIndex].isClosed
        for position in group {
            let occurrence = occurrences[position]
            do throws(CodecError) {
                switch field.kind {
                case .message, .group:
                    beginEntry(first: &first)
                    try writeMessage(bytes, occurrence.start..<occurrence.end, field.messageIndex, depth: depth + 1)
                    index += 1
                case .string, .bytes:
                    beginEntry(first: &first)
                    try writeScalar(field, bytes, occurrence)
                    index += 1
                default:
                    let valueWireType = field.kind.wireType
                    var reader = WireReader(bytes, from: occurrence.start, to: occurrence.end)
                    let packed = occurrence.wireType == .lengthDelimited
                    var more = !packed || !reader.isAtEnd
                    while more {
                        let bits: UInt64
                        switch valueWireType {
                        case .fixed32: bits = UInt64(try reader.readFixed32())
                        case .fixed64: bits = try reader.readFixed64()
                        default: bits = try reader.readVarint()
                        }
                        more = packed && !reader.isAtEnd
                        if closedEnum, !pool.enums[field.enumIndex].contains(Int32(truncatingIfNeeded: bits)) { continue }
                        beginEntry(first: &first)
                        writeScalarBits(field, bits)
                        index += 1
                    }
                }
            } catch {
                throw error.atIndex(index)
            }
        }
        closeContainer(UInt8(ascii: "]"), empty: first)
        return index
    }

    /// Writes `[]`, `{}` or the default value of a field that is not in the input.
    mutating func writeUnpopulated(_ field: FieldDescriptor, first: inout Bool) throws(CodecError) {
        writeKey(field, first: &first)
        if field.isMap {
            out.appendASCII("{}")
        } else if field.isRepeated {
            out.appendASCII("[]")
        } else {
            switch field.kind {
            case .string: out.appendASCII("\"\"")
            case .bytes: out.appendASCII("\"\"")
            case .enumeration:
                let enumType = pool.enums[field.enumIndex]
                writeScalarBits(field, UInt64(bitPattern: Int64(enumType.values.first?.number ?? 0)))
            default: writeScalarBits(field, 0)
            }
        }
    }
}
