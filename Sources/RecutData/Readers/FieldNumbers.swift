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

    private func fallbackDecimalNumber() -> Double? {
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text in
            for (position, byte) in enumerated() { text[position] = CChar(bitPattern: byte) }
            text[count] = 0
            return strtod(text.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }
}

/// 10^0 ... 10^22, the powers of ten that a Double holds exactly.
private let exactPowersOfTen: [Double] = (0...22).map { power in
    (0..<power).reduce(1.0) { product, _ in product * 10 }
}
