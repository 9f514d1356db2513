import Dispatch

/// Splits 0..<count into contiguous chunks and runs `body` on them concurrently.
///
/// The number of chunks depends only on `count` and `minimumChunk` (never on the core
/// count), so reductions that combine per-chunk partial sums give the same bits on every
/// machine. Work smaller than two chunks runs inline.
func parallelChunks(count: Int, minimumChunk: Int, maximumChunks: Int = 16,
                    _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
    let chunks = chunkCount(count: count, minimumChunk: minimumChunk, maximumChunks: maximumChunks)
    if chunks <= 1 {
        if count > 0 { body(0, 0..<count) }
        return
    }
    // The chunks write disjoint memory through raw pointers, which Sendable cannot express.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body(chunk, chunkRange(chunk, of: chunks, count: count))
    }
}

/// The number of chunks `parallelChunks` uses for `count` items.
func chunkCount(count: Int, minimumChunk: Int, maximumChunks: Int = 16) -> Int {
    max(1, min(maximumChunks, count / max(minimumChunk, 1)))
}

/// The items of chunk `chunk` when `count` items are split into `chunks` near-equal chunks.
func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
    (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
}
