extension ParameterLayout {
    /// A range of the flat buffer whose elements all take AdamW's weight decay or all do not.
    public struct DecayRun: Sendable, Hashable {
        /// The elements of the run.
        public let range: Range<Int>
        /// Whether weight decay applies to them.
        public let decays: Bool
    }

    /// The flat buffer cut into maximal runs of elements that agree on weight decay, in order,
    /// covering every element once; alignment gaps do not decay.
    ///
    /// AdamW updates run by run with the weight decay switched on or off, instead of reading
    /// a per-element mask as large as the parameters.
    public var decayRuns: [DecayRun] {
        var runs: [DecayRun] = []
        func add(_ range: Range<Int>, decays: Bool) {
            guard !range.isEmpty else { return }
            if let last = runs.last, last.decays == decays {
                runs[runs.count - 1] = DecayRun(range: last.range.lowerBound..<range.upperBound, decays: decays)
            } else {
                runs.append(DecayRun(range: range, decays: decays))
            }
        }
        var end = 0
        for entry in entries {
            add(end..<entry.offset, decays: false)
            end = entry.offset + entry.count
            add(entry.offset..<end, decays: entry.decays)
        }
        return runs
    }
}
