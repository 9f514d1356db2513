extension SampledNegatives {
    /// How many consecutive positions share one row of negative ids (1, L or N by
    /// granularity), checking the ids' shape against the `positions` of the call.
    func rowsPerNegativeRow(positions n: Int) -> Int {
        switch granularity {
        case .perPosition:
            if case .stored(let ids) = ids {
                precondition(ids.shape[0] == n, "per-position negatives must be [\(n), K], not \(ids.shape)")
            }
            return 1
        case .perSequence:
            let ids = storedIDs
            precondition(ids.shape[0] > 0 && n % ids.shape[0] == 0,
                         "per-sequence negatives [B, K] = \(ids.shape) must divide the \(n) positions into B sequences")
            return n / ids.shape[0]
        case .perBatch:
            return max(n, 1)
        }
    }

    /// Checks that the log-q correction, if any, matches the item count and `dtype` (the
    /// per-row dtype of the loss, `LossSizes.rowDType`).
    func checkLogQ(itemCount: Int, dtype: DType) {
        switch logQ {
        case .perItem(let table):
            precondition(table.count == itemCount + 1 && table.dtype == dtype,
                         "per-item log q must be \(itemCount + 1) \(dtype) values, not \(table.count) \(table.dtype)")
        case .perNegative(let values):
            let ids = storedIDs
            precondition(values.count == ids.count && values.dtype == dtype,
                         "per-negative log q must match the \(ids.count) negative ids in \(dtype)")
        case nil:
            break
        }
    }
}
