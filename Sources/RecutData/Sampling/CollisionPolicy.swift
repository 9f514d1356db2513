/// What to do when a negative is the very item a position must predict (its positive).
public enum CollisionPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Leave such negatives in place; the loss sees the positive among the negatives.
    case keep
    /// Draw again until the negative differs from the targets it is compared with: the position's
    /// target (per position), or every target of the row (per sequence) or batch (per batch).
    /// After `NegativeSampler.maximumAttempts` draws that all hit a target the first is kept
    /// (where the targets hold nearly all of the sampling mass); the loss still skips a
    /// negative equal to the position's own target.
    case resample
    /// Keep the draws and return `valid` flags [N, K], false where a negative equals the target
    /// of the position, for the loss to drop those logits.
    case mask
}
