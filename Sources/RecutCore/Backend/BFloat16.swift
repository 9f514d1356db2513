/// Conversions between float32 and bfloat16 (the upper 16 bits of a float32), the same on
/// every backend: rounding to nearest, ties to even, NaN kept NaN.
///
/// Backends store bfloat16 elements as these raw bits; CPU twins and GPU kernels round with
/// the same rule, so their results can be compared bit for bit where the arithmetic agrees.
public enum BFloat16 {
    /// The bits of `value` rounded to bfloat16.
    @inline(__always)
    public static func bits(_ value: Float) -> UInt16 {
        let raw = value.bitPattern
        if raw & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: raw >> 16) | 0x0040 }
        let rounded = raw &+ 0x7FFF &+ ((raw >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// The float32 value of bfloat16 `bits` (exact).
    @inline(__always)
    public static func value(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `value` rounded to the nearest bfloat16 (through float32), as a Double.
    public static func rounded(_ value: Double) -> Double {
        Double(Self.value(bits(Float(value))))
    }

    /// The relative spacing of bfloat16 numbers (2^-7): 8 significand bits, 7 stored.
    public static let epsilon = 0.0078125
}
