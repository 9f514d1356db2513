/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
/// counter-based generator, four 32-bit words that are a pure function of a 128-bit counter
/// and a 64-bit key.
///
/// Recut draws every negative from it, so that the id of a draw is a function of its
/// coordinates alone: the CPU and the GPU (Kernels/philox.cuh, the same rounds) draw the
/// same ids bit for bit, in any order, and a kernel can regenerate an id instead of reading it.
public enum Philox {
    /// The four output words of counter (c0, c1, c2, c3) under key (k0, k1).
    @inlinable
    public static func block(_ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32,
                             key k0: UInt32, _ k1: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        var x = (c0, c1, c2, c3)
        var key = (k0, k1)
        for round in 0..<10 {
            if round > 0 {
                key.0 &+= 0x9E37_79B9
                key.1 &+= 0xBB67_AE85
            }
            let first = UInt64(0xD251_1F53) &* UInt64(x.0)
            let second = UInt64(0xCD9E_8D57) &* UInt64(x.2)
            x = (UInt32(truncatingIfNeeded: second >> 32) ^ x.1 ^ key.0, UInt32(truncatingIfNeeded: second),
                 UInt32(truncatingIfNeeded: first >> 32) ^ x.3 ^ key.1, UInt32(truncatingIfNeeded: first))
        }
        return x
    }

    /// floor(word * n / 2^32): a word mapped onto 0..<n with one multiplication (Lemire), the
    /// same on every device; its bias, at most n / 2^32, is below 0.03% for 2^20 items.
    @inlinable
    public static func scaled(_ word: UInt32, below n: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: (UInt64(word) &* UInt64(n)) >> 32)
    }
}
