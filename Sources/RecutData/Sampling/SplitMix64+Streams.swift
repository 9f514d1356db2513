extension SplitMix64 {
    /// A generator for stream `stream` of `seed`: the same pair always gives the same numbers.
    ///
    /// Lets a run draw step `n`'s randomness without replaying steps 0..<n, so a resumed
    /// training run samples exactly what an uninterrupted one would.
    public init(seed: UInt64, stream: UInt64) {
        var streamMixer = SplitMix64(seed: stream)
        var seedMixer = SplitMix64(seed: seed ^ streamMixer.next())
        self.init(seed: seedMixer.next())
    }
}
