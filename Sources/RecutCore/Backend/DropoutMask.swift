/// The counter-based rule that decides which elements dropout keeps.
///
/// The mask is a pure function of (seed, element index), so backward recomputes it
/// instead of storing it, and every backend (CPU, GPU) produces identical masks.
public enum DropoutMask {
    /// A 24-bit uniform draw in [0, 1) for `index` under `seed` (SplitMix64 finaliser).
    @inlinable
    public static func uniform(seed: UInt64, index: Int) -> Float {
        var z = seed &+ (UInt64(truncatingIfNeeded: index) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * 0x1.0p-24
    }

    /// Whether element `index` survives dropout with drop `probability` under `seed`.
    @inlinable
    public static func keeps(seed: UInt64, index: Int, probability: Double) -> Bool {
        Double(uniform(seed: seed, index: index)) >= probability
    }

    /// A seed for one dropout site of one step, derived from the step's seed.
    ///
    /// Each site (embedding, attention, each residual branch of each block) needs an
    /// independent mask; mixing the site number into the step seed gives that.
    @inlinable
    public static func siteSeed(step seed: UInt64, site: Int) -> UInt64 {
        var z = seed ^ (UInt64(truncatingIfNeeded: site) &* 0xD1B5_4A32_D192_ED03)
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }
}
