import Foundation

/// Generates interaction logs with a learnable sequential structure and power-law popularity.
///
/// Benchmarks and tests need data where a sequential model must beat a popularity baseline by
/// a wide margin, at any scale and with no download. Items sit on a hidden ring (a random
/// permutation). A user starts at an item drawn from a Zipf(1) popularity law; each next event
/// follows the ring 1, 2 or 3 steps forward with probability `followProbability`, which makes
/// it predictable from the previous item, and otherwise jumps to a new Zipf-drawn item.
/// Sequence lengths are `minimumLength` plus a geometric number, averaging `meanLength`.
/// Users are "u1"..., items "i1"... in popularity rank order; timestamps increase per user.
public enum SyntheticGenerator {
    /// Chance that an event follows the ring from the previous item rather than jumping.
    public static let followProbability = 0.75
    /// Exponent of the Zipf law of starting and jump items.
    public static let zipfExponent = 1.0
    /// Shortest generated sequence (unless `meanLength` is shorter).
    public static let minimumLength = 5
    /// Chances of stepping 1, 2 or 3 items forward along the ring when following it (cumulative).
    private static let stepCumulative = (0.6, 0.85)

    /// Generates the log of `config` in O(events); the config must pass `validate()`.
    public static func generate(_ config: SyntheticConfig) -> InteractionLog {
        precondition((try? config.validate()) != nil, "invalid SyntheticConfig \(config)")
        var random = SplitMix64(seed: config.seed)
        let itemCount = config.items
        let zipf = ZipfTable(count: itemCount, exponent: zipfExponent)

        var ring = (0..<Int32(itemCount)).map { $0 }
        for position in stride(from: itemCount - 1, to: 0, by: -1) {
            ring.swapAt(position, random.next(below: position + 1))
        }
        var ringPosition = [Int32](repeating: 0, count: itemCount)
        for (position, item) in ring.enumerated() { ringPosition[Int(item)] = Int32(position) }

        let shortest = min(minimumLength, config.meanLength)
        let extraMean = Double(config.meanLength - shortest)
        // Geometric draw with mean extraMean: floor(log(U) / log(1 - p)) with p = 1 / (mean + 1).
        let logContinue = extraMean > 0 ? log(extraMean / (extraMean + 1)) : 0

        var users: [Int32] = [], items: [Int32] = [], timestamps: [Timestamp] = []
        let expected = config.users * config.meanLength + config.users
        users.reserveCapacity(expected)
        items.reserveCapacity(expected)
        timestamps.reserveCapacity(expected)
        var internedItem = [Int32](repeating: -1, count: itemCount)
        var itemNames: [String] = []

        let firstTime = 1_600_000_000.0, spreadOfStarts = 365.0 * 86_400, meanGap = 3_600.0
        for user in 0..<config.users {
            var length = shortest
            if extraMean > 0 { length += Int(log(1 - random.nextUnit()) / logContinue) }
            var time = firstTime + Double(random.next(below: Int(spreadOfStarts)))
            var item = zipf.sample(&random)
            for event in 0..<length {
                if event > 0 {
                    if random.nextUnit() < followProbability {
                        let draw = random.nextUnit()
                        let step = draw < stepCumulative.0 ? 1 : draw < stepCumulative.1 ? 2 : 3
                        item = Int(ring[(Int(ringPosition[item]) + step) % itemCount])
                    } else {
                        item = zipf.sample(&random)
                    }
                    time += 1 + (-log(1 - random.nextUnit()) * meanGap).rounded(.down)
                }
                if internedItem[item] < 0 {
                    internedItem[item] = Int32(itemNames.count)
                    itemNames.append("i\(item + 1)")
                }
                users.append(Int32(user))
                items.append(internedItem[item])
                timestamps.append(Timestamp(time))
            }
        }
        return InteractionLog(
            users: users, items: items, timestamps: timestamps,
            userNames: (1...config.users).map { "u\($0)" }, itemNames: itemNames)
    }
}

/// Samples ranks 0..<count with probability proportional to 1 / (rank + 1)^exponent.
///
/// A cumulative table and a binary search: O(log count) per draw, one Double per rank.
struct ZipfTable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        cumulative = (0..<count).map { rank in
            total += pow(Double(rank + 1), -exponent)
            return total
        }
    }

    func sample(_ random: inout SplitMix64) -> Int {
        let target = random.nextUnit() * cumulative[cumulative.count - 1]
        return cumulative.withUnsafeBufferPointer { cumulative in
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] <= target { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
