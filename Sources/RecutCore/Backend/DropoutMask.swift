/// The counter-based rule that decides which elements dropout keeps.
///
/// The mask is a pure function of (seed, element index), so backward recomputes it
/// instead of storing it, and every backend (CPU, GPU) produces identical masks.
public enum DropoutMask {
    /// The 24-bit hash of `index` under `seed` (SplitMix64's finaliser, top 24 bits).
    @inlinable
    public static func hash(seed: UInt64, index: Int) -> UInt64 {
        var z = seed &+ (UInt64(truncatingIfNeeded: index) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) >> 40
    }

    /// The smallest hash that survives dropout with drop `probability`: an element is kept
    /// when hash / 2^24 >= probability.
    @inlinable
    public static func threshold(probability: Double) -> UInt64 {
        UInt64((probability * 0x1.0p24).rounded(.up))
    }

    /// Whether element `index` survives dropout under `seed` and `threshold(probability:)`.
    @inlinable
    public static func keeps(seed: UInt64, index: Int, threshold: UInt64) -> Bool {
        hash(seed: seed, index: index) >= threshold
    }

    /// Whether element `index` survives dropout with drop `probability` under `seed`.
    @inlinable
    public static func keeps(seed: UInt64, index: Int, probability: Double) -> Bool {
        keeps(seed: seed, index: index, threshold: threshold(probability: probability))
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
