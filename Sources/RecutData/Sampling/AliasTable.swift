/// Walker's alias table: draws from a discrete distribution in O(1) per sample.
///
/// Slot i is item i + 1. A draw picks a slot uniformly, keeps its item with probability
/// `acceptance`, else takes the slot's `alias`. Built with Vose's method on exact integer
/// weights, so items of weight 0 are never drawn.
struct AliasTable: Sendable {
    /// One slot: the chance to keep the slot's own item, and the item taken otherwise.
    struct Entry: Sendable {
        var acceptance: Double
        var alias: Int32
    }

    let entries: [Entry]

    /// A table for items 1...weights.count with the given non-negative weights (not all zero).
    /// Returns nil when weight x count overflows 64 bits.
    init?(weights: ArraySlice<Int>) {
        let slots = weights.count
        let total = weights.reduce(0, +)
        precondition(total > 0, "alias table needs a positive weight")
        // Scaled weights in units where 1 / slots of the mass is `total`.
        var scaled: [Int] = []
        scaled.reserveCapacity(slots)
        for weight in weights {
            let (product, overflow) = weight.multipliedReportingOverflow(by: slots)
            guard !overflow else { return nil }
            scaled.append(product)
        }
        var entries = [Entry](repeating: Entry(acceptance: 1, alias: 0), count: slots)
        var small: [Int] = [], large: [Int] = []
        for slot in 0..<slots {
            entries[slot].alias = Int32(slot + 1)
            if scaled[slot] < total { small.append(slot) } else { large.append(slot) }
        }
        while let light = small.popLast() {
            // Exact integers keep small and large in balance: a light slot always finds a heavy one.
            let heavy = large[large.count - 1]
            entries[light] = Entry(acceptance: Double(scaled[light]) / Double(total), alias: Int32(heavy + 1))
            scaled[heavy] -= total - scaled[light]
            if scaled[heavy] < total {
                large.removeLast()
                small.append(heavy)
            }
        }
        self.entries = entries
    }
}
