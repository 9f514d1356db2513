import Foundation

/// Draws negative items for training batches, reproducibly, from a uniform or popularity distribution.
///
/// Items come from 1...C, never the padding id 0. The draws for a given `step` depend only on
/// (seed, step), not on what was drawn before, so a resumed run gets the same negatives.
/// ``logProbability(of:)`` gives log q(item) for the sampled-softmax log-q correction.
public struct NegativeSampler: Sendable {
    /// Number of real items C.
    public let catalogSize: Int
    /// Seed of every step's stream.
    public let seed: UInt64
    /// Alias table of the popularity distribution; empty for uniform.
    private let aliasEntries: [AliasTable.Entry]
    /// log q of items 0...C for the popularity distribution; empty for uniform.
    private let popularityLogProbabilities: [Float]
    /// The item when only one has a positive probability: resampling can never avoid it.
    private let onlyItem: Int32?

    /// Redrawing for a row or batch stops being worth it when its targets leave less mass than this.
    static let minimumRemainingMass = 1e-3

    /// A sampler over items 1...`catalogSize`.
    ///
    /// Throws `.invalidOption` for an empty catalog, or popularity counts that are not C + 1
    /// non-negative numbers with a positive sum over 1...C.
    public init(catalogSize: Int, distribution: SamplingDistribution, seed: UInt64) throws {
        guard catalogSize > 0 else {
            throw DataError.invalidOption("negative sampling needs at least one item, got a catalog of \(catalogSize)")
        }
        self.catalogSize = catalogSize
        self.seed = seed
        switch distribution {
        case .uniform:
            aliasEntries = []
            popularityLogProbabilities = []
            onlyItem = catalogSize == 1 ? 1 : nil
        case .popularity(let counts):
            guard counts.count == catalogSize + 1 else {
                throw DataError.invalidOption(
                    "popularity sampling needs one count per item id 0...\(catalogSize), got \(counts.count) counts")
            }
            let itemCounts = counts[1...]
            if let negative = itemCounts.firstIndex(where: { $0 < 0 }) {
                throw DataError.invalidOption("popularity count of item \(negative) is negative (\(counts[negative]))")
            }
            let total = itemCounts.reduce(0, +)
            guard total > 0 else {
                throw DataError.invalidOption("popularity sampling needs at least one item with a positive count")
            }
            guard let table = AliasTable(weights: itemCounts) else {
                throw DataError.invalidOption("popularity counts too large (total \(total)); scale them down")
            }
            aliasEntries = table.entries
            popularityLogProbabilities = counts.indices.map { item in
                item == 0 ? -.infinity : Float(log(Double(counts[item]) / Double(total)))
            }
            let positive = itemCounts.indices.filter { counts[$0] > 0 }
            onlyItem = positive.count == 1 ? Int32(positive[0]) : nil
        }
    }

    /// log q(item): the log probability of drawing `item`; -infinity for 0 and never-drawn items.
    public func logProbability(of item: Int32) -> Float {
        precondition(item >= 0 && Int(item) <= catalogSize, "item \(item) is outside 0...\(catalogSize)")
        if item == 0 { return -.infinity }
        if popularityLogProbabilities.isEmpty { return -Float(log(Double(catalogSize))) }
        return popularityLogProbabilities[Int(item)]
    }

    /// log q of every item id 0...C (entry 0, the padding, is -infinity).
    public var logProbabilities: [Float] {
        if !popularityLogProbabilities.isEmpty { return popularityLogProbabilities }
        return [-.infinity] + [Float](repeating: -Float(log(Double(catalogSize))), count: catalogSize)
    }

    /// Draws K = `count` negatives for each group of positions of `batch` that `granularity` names.
    ///
    /// The draws depend only on (seed, `step`), the batch targets and the arguments. Padding
    /// positions get negatives too, so that shapes do not depend on the data. Groups are drawn
    /// in chunks on all cores, each chunk from its own stream of the step's seed; the chunks
    /// depend on the sizes only, so the draws are the same on every machine.
    public func sample(count: Int, granularity: NegativeGranularity, for batch: TrainingBatch,
                       collisions: CollisionPolicy, step: Int) -> Negatives {
        precondition(count > 0, "the number of negatives must be positive")
        var stepStream = SplitMix64(seed: seed, stream: UInt64(bitPattern: Int64(step)))
        let stepSeed = stepStream.next()
        let shape: [Int]
        let groupSize: Int
        switch granularity {
        case .perPosition: (shape, groupSize) = ([batch.positionCount, count], 1)
        case .perSequence: (shape, groupSize) = ([batch.batchSize, count], batch.length)
        case .perBatch: (shape, groupSize) = ([count], max(batch.positionCount, 1))
        }
        let groups = shape.count == 1 ? 1 : shape[0]
        var ids = [Int32](repeating: 0, count: groups * count)
        let chunks = max(1, min(Self.maximumChunks, groups * count / Self.minimumChunkDraws, groups))
        aliasEntries.withUnsafeBufferPointer { entries in
            ids.withUnsafeMutableBufferPointer { ids in
                // The chunks write disjoint groups of `ids`, which Sendable cannot express.
                nonisolated(unsafe) let ids = ids, entries = entries
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    var generator = SplitMix64(seed: stepSeed, stream: UInt64(chunk))
                    let draw = ItemDraw(catalogSize: catalogSize, entries: entries)
                    var excluded: [Int32] = []
                    for group in (groups * chunk / chunks)..<(groups * (chunk + 1) / chunks) {
                        let targets = batch.targets[(group * groupSize)..<min((group + 1) * groupSize, batch.targets.count)]
                        excluded.removeAll(keepingCapacity: true)
                        if collisions == .resample { collectAvoidable(targets, into: &excluded) }
                        excluded.withUnsafeBufferPointer { excluded in
                            for slot in (group * count)..<((group + 1) * count) {
                                var item = draw(&generator)
                                while Self.contains(excluded, item) { item = draw(&generator) }
                                ids[slot] = item
                            }
                        }
                    }
                }
            }
        }
        let valid = collisions == .mask ? Self.validFlags(ids: ids, count: count, groupSize: groupSize, batch: batch) : nil
        return Negatives(ids: ids, shape: shape, granularity: granularity, valid: valid)
    }

    /// Chunks of a step's draws: at most this many, each of at least `minimumChunkDraws` draws.
    static let maximumChunks = 16
    static let minimumChunkDraws = 1 << 15

    /// Puts into `excluded` the distinct targets to redraw against, sorted; none when they
    /// hold so much of the mass that redrawing is impractical.
    private func collectAvoidable(_ targets: ArraySlice<Int32>, into excluded: inout [Int32]) {
        for target in targets where target != 0 && target != onlyItem { excluded.append(target) }
        excluded.sort()
        var unique = 0
        for item in excluded where unique == 0 || excluded[unique - 1] != item {
            excluded[unique] = item
            unique += 1
        }
        excluded.removeLast(excluded.count - unique)
        let excludedMass = excluded.reduce(0.0) { $0 + exp(Double(logProbability(of: $1))) }
        if 1 - excludedMass < Self.minimumRemainingMass { excluded.removeAll(keepingCapacity: true) }
    }

    /// Whether the sorted `items` contain `item` (binary search; rows hold at most B x L targets).
    @inline(__always)
    private static func contains(_ items: UnsafeBufferPointer<Int32>, _ item: Int32) -> Bool {
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle] < item { low = middle + 1 } else { high = middle }
        }
        return low < items.count && items[low] == item
    }

    /// [N, K] flags: negative k of position n differs from the target of position n.
    private static func validFlags(ids: [Int32], count: Int, groupSize: Int, batch: TrainingBatch) -> [Bool] {
        var valid = [Bool](repeating: true, count: batch.positionCount * count)
        for position in 0..<batch.positionCount {
            let group = position / groupSize, target = batch.targets[position]
            for k in 0..<count where ids[group * count + k] == target { valid[position * count + k] = false }
        }
        return valid
    }
}

/// One draw from the sampler's distribution: uniform when there is no alias table.
private struct ItemDraw {
    let catalogSize: Int
    let entries: UnsafeBufferPointer<AliasTable.Entry>

    @inline(__always)
    func callAsFunction(_ generator: inout SplitMix64) -> Int32 {
        let slot = generator.next(below: catalogSize)
        if entries.isEmpty { return Int32(slot + 1) }
        let entry = entries[slot]
        return generator.nextUnit() < entry.acceptance ? Int32(slot + 1) : entry.alias
    }
}
