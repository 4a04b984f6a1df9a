/// The JSON text forms of `google.protobuf.Timestamp` (RFC 3339) and `Duration` (`"1.5s"`).
enum TimeFormats {
    /// 0001-01-01T00:00:00Z, the first representable instant.
    static let minTimestampSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z, the last representable second.
    static let maxTimestampSeconds: Int64 = 253_402_300_799
    /// About 10,000 years, the duration limit.
    static let maxDurationSeconds: Int64 = 315_576_000_000

    // MARK: Calendar arithmetic (proleptic Gregorian, days relative to 1970-01-01)

    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    // MARK: Timestamp

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    static func parseTimestamp(_ text: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
        var cursor = TextCursor(text)
        guard let year = cursor.digits(4), cursor.take("-"), let month = cursor.digits(2), cursor.take("-"),
            let day = cursor.digits(2), cursor.take("T"), let hour = cursor.digits(2), cursor.take(":"),
            let minute = cursor.digits(2), cursor.take(":"), let second = cursor.digits(2)
        else { return nil }
        let monthDays: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard year >= 1, (1...12).contains(month), day >= 1, day <= monthDays[Int(month - 1)], hour < 24,
            minute < 60, second < 60
        else { return nil }
        var nanos: Int32 = 0
        if cursor.take(".") {
            guard let fraction = cursor.fraction() else { return nil }
            nanos = fraction
        }
        var offset: Int64 = 0
        if !cursor.take("Z") {
            let sign: Int64
            if cursor.take("+") { sign = 1 } else if cursor.take("-") { sign = -1 } else { return nil }
            guard let offsetHours = cursor.digits(2), cursor.take(":"), let offsetMinutes = cursor.digits(2),
                offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard cursor.isAtEnd else { return nil }
        let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= minTimestampSeconds, seconds <= maxTimestampSeconds else { return nil }
        return (seconds, nanos)
    }

    /// Writes a valid timestamp as a quoted RFC 3339 string in UTC with 0, 3, 6 or 9 fraction digits.
    static func appendTimestamp(seconds: Int64, nanos: Int32, to out: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = civil(days: days)
        out.append(UInt8(ascii: "\""))
        appendPadded(date.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(date.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(date.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2, to: &out)
        appendFraction(nanos, to: &out)
        out.appendASCII("Z\"")
    }

    // MARK: Duration

    /// Parses `[-]seconds[.fraction]s`.
    static func parseDuration(_ text: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
        var cursor = TextCursor(text)
        let negative = cursor.take("-")
        guard let seconds = cursor.integer() else { return nil }
        var nanos: Int32 = 0
        if cursor.take(".") {
            guard let fraction = cursor.fraction() else { return nil }
            nanos = fraction
        }
        guard cursor.take("s"), cursor.isAtEnd, seconds <= maxDurationSeconds else { return nil }
        return negative ? (-seconds, -nanos) : (seconds, nanos)
    }

    /// Writes a valid duration as a quoted string with 0, 3, 6 or 9 fraction digits.
    static func appendDuration(seconds: Int64, nanos: Int32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if seconds < 0 || nanos < 0 { out.append(UInt8(ascii: "-")) }
        out.appendDecimal(seconds.magnitude)
        appendFraction(Int32(nanos.magnitude), to: &out)
        out.appendASCII("s\"")
    }

    // MARK: Shared pieces

    private static func appendPadded(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var value = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor))
            value %= divisor
            divisor /= 10
        }
    }

    private static func appendFraction(_ nanos: Int32, to out: inout [UInt8]) {
        guard nanos != 0 else { return }
        out.append(UInt8(ascii: "."))
        if nanos % 1_000_000 == 0 {
            appendPadded(Int64(nanos / 1_000_000), width: 3, to: &out)
        } else if nanos % 1000 == 0 {
            appendPadded(Int64(nanos / 1000), width: 6, to: &out)
        } else {
            appendPadded(Int64(nanos), width: 9, to: &out)
        }
    }
}

/// A cursor over ASCII text for the fixed grammars of timestamps and durations.
struct TextCursor {
    let text: UnsafeRawBufferPointer
    var index = 0

    init(_ text: UnsafeRawBufferPointer) { self.text = text }

    var isAtEnd: Bool { index == text.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < text.count, text[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// Exactly `count` decimal digits.
    mutating func digits(_ count: Int) -> Int64? {
        guard text.count - index >= count else { return nil }
        var value: Int64 = 0
        for _ in 0..<count {
            let byte = text[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
            index += 1
        }
        return value
    }

    /// One to eighteen decimal digits.
    mutating func integer() -> Int64? {
        var value: Int64 = 0
        let start = index
        while index < text.count, text[index] >= 0x30, text[index] <= 0x39, index - start < 18 {
            value = value * 10 + Int64(text[index] - 0x30)
            index += 1
        }
        return index > start ? value : nil
    }

    /// One to nine fraction digits, as nanoseconds.
    mutating func fraction() -> Int32? {
        var value: Int32 = 0
        var count = 0
        while index < text.count, text[index] >= 0x30, text[index] <= 0x39 {
            guard count < 9 else { return nil }
            value = value * 10 + Int32(text[index] - 0x30)
            index += 1
            count += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<9 { value *= 10 }
        return value
    }
}
