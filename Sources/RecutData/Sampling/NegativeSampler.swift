import Foundation

/// Draws negative items for training batches, reproducibly, from a uniform or popularity distribution.
///
/// Items come from 1...C, never the padding id 0. Every draw is counter-based: the item of
/// slot k of group g at step s (attempt a) is a pure function of (seed, s, g, k, a) through
/// ``Philox``, so a resumed run gets the same negatives, and a GPU kernel (Kernels/negative_draws.cuh)
/// draws the very same ids, in any order, or regenerates them instead of storing them.
/// ``logProbability(of:)`` gives log q(item) for the sampled-softmax log-q correction.
public struct NegativeSampler: Sendable {
    /// Number of real items C.
    public let catalogSize: Int
    /// The generator's key.
    public let seed: UInt64
    /// The alias table of the popularity distribution as integers, empty for uniform: a draw
    /// picks slot s from one word and keeps item s + 1 when a second word is below
    /// `aliasThresholds[s]`, else takes `aliases[s]`.
    public let aliasThresholds: [UInt32]
    /// The item each slot falls back to (its own item where the slot always keeps it).
    public let aliases: [Int32]
    /// log q of items 0...C for the popularity distribution; empty for uniform.
    private let popularityLogProbabilities: [Float]

    /// How many times `.resample` draws a slot before keeping its first draw: the loss skips a
    /// negative equal to the position's target anyway, and a cap keeps a pure function cheap
    /// when the targets hold most of the sampling mass.
    public static let maximumAttempts = 256

    /// A sampler over items 1...`catalogSize`.
    ///
    /// Throws `.invalidOption` for an empty catalog, or popularity counts that are not C + 1
    /// non-negative numbers with a positive sum over 1...C.
    public init(catalogSize: Int, distribution: SamplingDistribution, seed: UInt64) throws {
        guard catalogSize > 0 && catalogSize < Int(Int32.max) else {
            throw DataError.invalidOption("negative sampling needs 1...\(Int32.max - 1) items, got a catalog of \(catalogSize)")
        }
        self.catalogSize = catalogSize
        self.seed = seed
        switch distribution {
        case .uniform:
            aliasThresholds = []
            aliases = []
            popularityLogProbabilities = []
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
            // A slot that always keeps its item has itself as alias, so the threshold's one
            // missing value (2^32) cannot change the draw.
            aliasThresholds = table.entries.map { UInt32(min($0.acceptance * 4_294_967_296, 4_294_967_295)) }
            aliases = table.entries.map(\.alias)
            popularityLogProbabilities = counts.indices.map { item in
                item == 0 ? -.infinity : Float(log(Double(counts[item]) / Double(total)))
            }
        }
    }

    /// Whether draws follow the popularity distribution (an alias table) rather than the uniform one.
    public var isPopularity: Bool { !aliasThresholds.isEmpty }

    /// Draws served by one Philox block: four uniform draws (a word each), two popularity
    /// draws (a slot word and an acceptance word each).
    public var drawsPerBlock: Int { isPopularity ? 2 : 4 }

    /// The item of draw `slot` of `group` at `step`, attempt `attempt` (0, then 1, 2, ... when
    /// resampling): Philox of counter (slot / drawsPerBlock, group, step, attempt) under the seed.
    @inline(__always)
    public func draw(group: Int, slot: Int, step: Int, attempt: Int = 0) -> Int32 {
        let perBlock = drawsPerBlock
        let words = Philox.block(UInt32(truncatingIfNeeded: slot / perBlock), UInt32(truncatingIfNeeded: group),
                                 UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: attempt),
                                 key: UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        let n = UInt32(catalogSize)
        if !isPopularity {
            let word = switch slot % 4 {
            case 0: words.0
            case 1: words.1
            case 2: words.2
            default: words.3
            }
            return Int32(Philox.scaled(word, below: n)) + 1
        }
        let (slotWord, acceptanceWord) = slot % 2 == 0 ? (words.0, words.1) : (words.2, words.3)
        let aliasSlot = Int(Philox.scaled(slotWord, below: n))
        return acceptanceWord < aliasThresholds[aliasSlot] ? Int32(aliasSlot + 1) : aliases[aliasSlot]
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

    /// Draws K = `count` negatives for each group of positions of `batch` that `granularity` names:
    /// group g's slot k is ``draw(group:slot:step:attempt:)`` of (g, k, `step`).
    ///
    /// Groups are the positions (per position), the rows (per sequence) or the one batch (per
    /// batch). Padding positions get negatives too, so that shapes do not depend on the data.
    /// With `.resample`, a draw equal to a target of its group is drawn again with the next
    /// attempt, up to ``maximumAttempts``, after which the first draw is kept.
    public func sample(count: Int, granularity: NegativeGranularity, for batch: TrainingBatch,
                       collisions: CollisionPolicy, step: Int) -> Negatives {
        let (shape, groupSize) = granularity.layout(batchSize: batch.batchSize, length: batch.length, count: count)
        let ids = batch.targets.withUnsafeBufferPointer { targets in
            self.ids(count: count, targets: targets, positionsPerGroup: groupSize, resampling: collisions == .resample,
                     step: step)
        }
        let valid = collisions == .mask ? Self.validFlags(ids: ids, count: count, groupSize: groupSize, batch: batch) : nil
        return Negatives(ids: ids, shape: shape, granularity: granularity, valid: valid)
    }

    /// The [groups, `count`] draws of `step` for the positions' `targets`, each run of
    /// `positionsPerGroup` positions forming a group (the last may be shorter); with
    /// `resampling`, a draw equal to a target of its group is drawn again (see `sample`).
    ///
    /// The reference of every backend's `sampleNegatives`.
    public func ids(count: Int, targets: UnsafeBufferPointer<Int32>, positionsPerGroup: Int, resampling: Bool,
                    step: Int) -> [Int32] {
        precondition(count > 0 && positionsPerGroup > 0, "the number of negatives and the group size must be positive")
        precondition(step >= 0 && step <= Int(UInt32.max), "step \(step) is outside the generator's 32-bit counter")
        let groups = max(1, (targets.count + positionsPerGroup - 1) / positionsPerGroup)
        var ids = [Int32](repeating: 0, count: groups * count)
        let chunks = max(1, min(Self.maximumChunks, groups * count / Self.minimumChunkDraws, groups))
        ids.withUnsafeMutableBufferPointer { ids in
            // The chunks write disjoint groups of `ids`, which Sendable cannot express.
            nonisolated(unsafe) let ids = ids, targets = targets
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var excluded: [Int32] = []
                for group in (groups * chunk / chunks)..<(groups * (chunk + 1) / chunks) {
                    excluded.removeAll(keepingCapacity: true)
                    if resampling {
                        let first = min(group * positionsPerGroup, targets.count)
                        Self.collectTargets(targets[first..<min(first + positionsPerGroup, targets.count)], into: &excluded)
                    }
                    excluded.withUnsafeBufferPointer { excluded in
                        for slot in 0..<count {
                            var item = draw(group: group, slot: slot, step: step)
                            if Self.contains(excluded, item) {
                                for attempt in 1..<Self.maximumAttempts {
                                    let again = draw(group: group, slot: slot, step: step, attempt: attempt)
                                    if !Self.contains(excluded, again) {
                                        item = again
                                        break
                                    }
                                }
                            }
                            ids[group * count + slot] = item
                        }
                    }
                }
            }
        }
        return ids
    }

    /// Chunks of a step's draws on the host: at most this many, each of at least `minimumChunkDraws` draws.
    static let maximumChunks = 16
    static let minimumChunkDraws = 1 << 15

    /// Puts into `excluded` the distinct non-padding targets, sorted.
    private static func collectTargets(_ targets: Slice<UnsafeBufferPointer<Int32>>, into excluded: inout [Int32]) {
        for target in targets where target != 0 { excluded.append(target) }
        excluded.sort()
        var unique = 0
        for item in excluded where unique == 0 || excluded[unique - 1] != item {
            excluded[unique] = item
            unique += 1
        }
        excluded.removeLast(excluded.count - unique)
    }

    /// Whether the sorted `items` contain `item` (binary search; groups hold at most B x L targets).
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
