/// Keeps the `capacity` best-scored items offered so far, in O(log capacity) per admitted item.
///
/// Full ranking needs each case's top-k list over a catalog of C items; a min-heap of k
/// entries does it in one O(C) pass without sorting the catalog. Higher scores come first;
/// equal scores put the lower item id first, so the lists are deterministic. Items scored
/// -infinity (masked) or NaN are never admitted.
public struct TopItemSelector: Sendable {
    /// The most items kept.
    public let capacity: Int
    /// Number of items currently kept.
    public private(set) var count = 0
    /// Heap ordered so that the worst kept entry is at index 0.
    private var heapScores: [Float]
    private var heapItems: [Int32]

    /// An empty selector keeping at most `capacity` (at least 1) items.
    public init(capacity: Int) {
        precondition(capacity > 0, "a top-item list needs room for at least one item (got \(capacity))")
        self.capacity = capacity
        heapScores = [Float](repeating: 0, count: capacity)
        heapItems = [Int32](repeating: 0, count: capacity)
    }

    /// Scores below this can never be admitted: -infinity until full, then the worst kept score.
    ///
    /// Callers scanning a catalog skip `offer` for scores below it, which keeps the scan O(C).
    @inline(__always)
    public var admissionScore: Float { count < capacity ? -.infinity : heapScores[0] }

    /// Considers `item` with `score`; keeps it if it beats the worst kept item or there is room.
    public mutating func offer(item: Int32, score: Float) {
        guard score > -.infinity else { return }
        if count < capacity {
            var child = count
            count += 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.isWorse(score, item, than: heapScores[parent], heapItems[parent]) else { break }
                heapScores[child] = heapScores[parent]
                heapItems[child] = heapItems[parent]
                child = parent
            }
            heapScores[child] = score
            heapItems[child] = item
        } else if Self.isWorse(heapScores[0], heapItems[0], than: score, item) {
            siftDown(score: score, item: item, heapCount: count)
        }
    }

    /// Offers `scores[i]` as item `firstItem + i` for every i; callers go in ascending item order.
    ///
    /// Strict admission: a later item tying the worst kept one loses the tie, as its id is higher.
    public mutating func offer(scores: UnsafeBufferPointer<Float>, firstItem: Int) {
        var admission = admissionScore
        for index in scores.indices {
            let score = scores[index]
            if score > admission {
                offer(item: Int32(firstItem + index), score: score)
                admission = admissionScore
            }
        }
    }

    /// Calls `body` with the kept items best first, then empties the selector for the next case.
    public mutating func drainBestFirst<Result>(_ body: (UnsafeBufferPointer<Int32>) throws -> Result) rethrows -> Result {
        // Heap sort: move the worst remaining entry behind the shrinking heap, so the best end up first.
        var heapCount = count
        while heapCount > 1 {
            heapCount -= 1
            let lastScore = heapScores[heapCount], lastItem = heapItems[heapCount]
            heapScores[heapCount] = heapScores[0]
            heapItems[heapCount] = heapItems[0]
            siftDown(score: lastScore, item: lastItem, heapCount: heapCount)
        }
        let kept = count
        count = 0
        return try heapItems.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<kept])) }
    }

    /// Places (`score`, `item`) at the root of the heap's first `heapCount` entries and restores the heap order.
    private mutating func siftDown(score: Float, item: Int32, heapCount: Int) {
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < heapCount else { break }
            if child + 1 < heapCount,
               Self.isWorse(heapScores[child + 1], heapItems[child + 1], than: heapScores[child], heapItems[child]) {
                child += 1
            }
            guard Self.isWorse(heapScores[child], heapItems[child], than: score, item) else { break }
            heapScores[parent] = heapScores[child]
            heapItems[parent] = heapItems[child]
            parent = child
        }
        heapScores[parent] = score
        heapItems[parent] = item
    }

    /// The ranking order: a lower score is worse; at equal scores the higher item id is worse.
    @inline(__always)
    private static func isWorse(_ score: Float, _ item: Int32, than otherScore: Float, _ otherItem: Int32) -> Bool {
        score < otherScore || (score == otherScore && item > otherItem)
    }
}
