import Foundation

/// Number parsing straight from the bytes of a field, without making a `String`.
extension UnsafeBufferPointer<UInt8> {
    /// The value of a field of decimal digits only, or nil when it is empty, holds anything
    /// else (a sign included) or exceeds `limit`.
    @inline(__always)
    func decimalInteger(limit: UInt64) -> UInt64? {
        guard count > 0, count <= 19 else { return nil }
        var value: UInt64 = 0
        for byte in self {
            let digit = byte &- ASCII.zero
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
        }
        return value <= limit ? value : nil
    }

    /// The value of a field that is an integer written canonically (digits, no leading zero,
    /// at most 18 of them), or nil; such fields and their values are one-to-one.
    @inline(__always)
    var canonicalInteger: UInt64? {
        guard count > 0, count <= 18, self[0] != ASCII.zero || count == 1 else { return nil }
        return decimalInteger(limit: .max)
    }

    /// The value of a decimal number (`12`, `-3.5`, `881250949.0`, `1.5e9`), or nil when the
    /// field is not one or the value is not finite.
    ///
    /// Exact for integers up to 2^53 and for the common short decimals (Clinger's fast path);
    /// longer forms go to `strtod`, so every result is correctly rounded.
    func decimalNumber() -> Double? {
        let end = count
        var i = 0
        var negative = false
        if i < end && (self[i] == UInt8(ascii: "-") || self[i] == UInt8(ascii: "+")) {
            negative = self[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digits = 0
        var exponent = 0
        while i < end, ASCII.isDigit(self[i]) {
            if significantDigits < 19 {
                mantissa = mantissa * 10 + UInt64(self[i] &- ASCII.zero)
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exponent += 1
            }
            digits += 1
            i += 1
        }
        if i < end && self[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, ASCII.isDigit(self[i]) {
                if significantDigits < 19 {
                    mantissa = mantissa * 10 + UInt64(self[i] &- ASCII.zero)
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < end && (self[i] == UInt8(ascii: "e") || self[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < end && (self[i] == UInt8(ascii: "-") || self[i] == UInt8(ascii: "+")) {
                exponentNegative = self[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            var exponentDigits = 0
            while i < end, ASCII.isDigit(self[i]) {
                written = Swift.min(written * 10 + Int(self[i] &- ASCII.zero), 100_000)
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += exponentNegative ? -written : written
        }
        guard i == end else { return nil }
        let magnitude: Double
        if mantissa == 0 {
            magnitude = 0
        } else if mantissa <= 1 << 53 && exponent == 0 {
            magnitude = Double(mantissa)
        } else if mantissa <= 1 << 53 && exponent >= 0 && exponent <= 22 {
            magnitude = Double(mantissa) * exactPowersOfTen[exponent]
        } else if mantissa <= 1 << 53 && exponent < 0 && exponent >= -22 {
            magnitude = Double(mantissa) / exactPowersOfTen[-exponent]
        } else {
            return fallbackDecimalNumber()
        }
        return negative ? -magnitude : magnitude
    }

    /// The time a field holds, or why it holds none.
    ///
    /// An integer (`881250949`, `-5`, nanoseconds up to Int64's range) is kept exactly; another
    /// decimal number (`881250949.0`, `1.5e9`) is rounded down; an ISO-8601 date or date-time
    /// (`2024-03-01`, `2024-03-01T12:30:00Z`, `2024-03-01 12:30:00.25+02:00`) is read as Unix
    /// seconds (fractions dropped; UTC without an offset).
    func timestamp() -> Result<Timestamp, TimestampProblem> {
        if let integer = signedInteger() { return integer }
        if let value = decimalNumber() {
            guard value >= -0x1p63, value < 0x1p63 else { return .failure(.outOfRange) }
            return .success(Timestamp(value.rounded(.down)))
        }
        if let seconds = iso8601Seconds() { return .success(seconds) }
        return .failure(.notATime)
    }

    /// An optional sign and decimal digits: its exact value, `.outOfRange` past Int64; nil for other forms.
    private func signedInteger() -> Result<Timestamp, TimestampProblem>? {
        var i = 0
        var negative = false
        if i < count && (self[i] == UInt8(ascii: "-") || self[i] == UInt8(ascii: "+")) {
            negative = self[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < count else { return nil }
        var magnitude: UInt64 = 0
        var overflow = false
        while i < count {
            let digit = self[i] &- ASCII.zero
            guard digit < 10 else { return nil }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            overflow = overflow || o1 || o2
            magnitude = sum
            i += 1
        }
        if overflow || magnitude > (negative ? UInt64(1) << 63 : UInt64(Int64.max)) { return .failure(.outOfRange) }
        return .success(negative ? Timestamp(truncatingIfNeeded: 0 &- magnitude) : Timestamp(magnitude))
    }

    /// Unix seconds of an ISO-8601 date (`YYYY-MM-DD`) or date-time, or nil when the field is not one.
    private func iso8601Seconds() -> Timestamp? {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let digit = self[i] &- ASCII.zero
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                i += 1
            }
            return value
        }
        func skip(_ byte: Character) -> Bool {
            guard i < count, self[i] == UInt8(ascii: byte.unicodeScalars.first!) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        var seconds = Self.daysSinceEpoch(year: year, month: month, day: day) * 86_400
        if i == count { return Timestamp(seconds) }
        guard skip("T") || skip("t") || skip(" "), let hour = number(2), hour < 24, skip(":"),
              let minute = number(2), minute < 60 else { return nil }
        var second = 0
        if skip(":") {
            guard let value = number(2), value <= 60 else { return nil }
            second = value
            if skip(".") || skip(",") {
                let start = i
                while i < count && ASCII.isDigit(self[i]) { i += 1 }
                guard i > start else { return nil }
            }
        }
        seconds += hour * 3600 + minute * 60 + second
        if i == count || skip("Z") || skip("z") { return i == count ? Timestamp(seconds) : nil }
        guard i < count, self[i] == UInt8(ascii: "+") || self[i] == UInt8(ascii: "-") else { return nil }
        let sign = self[i] == UInt8(ascii: "-") ? -1 : 1
        i += 1
        guard let offsetHours = number(2), offsetHours < 24 else { return nil }
        var offsetMinutes = 0
        if i < count {
            _ = skip(":")
            guard let value = number(2), value < 60 else { return nil }
            offsetMinutes = value
        }
        guard i == count else { return nil }
        return Timestamp(seconds - sign * (offsetHours * 3600 + offsetMinutes * 60))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private func fallbackDecimalNumber() -> Double? {
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text in
            for (position, byte) in enumerated() { text[position] = CChar(bitPattern: byte) }
            text[count] = 0
            return strtod(text.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }
}

/// Why a timestamp field holds no time.
enum TimestampProblem: Error {
    case notATime, outOfRange

    var reason: String {
        switch self {
        case .notATime: "is not a number or an ISO-8601 date"
        case .outOfRange: "is out of the range of timestamps (a 64-bit integer, about ±9.2e18)"
        }
    }
}

/// 10^0 ... 10^22, the powers of ten that a Double holds exactly.
private let exactPowersOfTen: [Double] = (0...22).map { power in
    (0..<power).reduce(1.0) { product, _ in product * 10 }
}
