/// The threshold below which the fused losses drop a softmax weight from the gradient
/// (Cut Cross-Entropy's gradient filtering).
///
/// A weight smaller than the resolution of the operands' precision next to 1 cannot change
/// a gradient accumulated at that precision by much, so its contribution is skipped; whole
/// tiles of such weights are where the fused backward pass saves its time.
public enum GradientFilter {
    /// The machine epsilon of `dtype` divided by 32, Cut Cross-Entropy's "auto" filter_eps:
    /// 2^-12 for bfloat16, 2^-28 for float32 and 2^-57 for float64.
    public static func threshold(for dtype: DType) -> Double {
        switch dtype {
        case .bfloat16: BFloat16.epsilon / 32
        case .float32: Double(Float.ulpOfOne) / 32
        case .float64: Double.ulpOfOne / 32
        case .int32: preconditionFailure("gradient filtering needs a floating-point dtype, not int32")
        }
    }

    /// Whether training filters unless told otherwise: on over the full catalog (`cce`), off
    /// with sampled negatives (`cce-`). On ML-100K at bf16, filtering cost `cce-` (K=256) 0.004
    /// test NDCG@10 over three seeds and stopped it ~40 epochs earlier, while `cce` was
    /// unaffected (BENCHMARKS.md): sampled softmax weights sit near 1/K, close to bf16's
    /// threshold 2^-12, so filtering drops much of the negatives' gradient there.
    public static func isOnByDefault(sampledNegatives: Bool) -> Bool { !sampledNegatives }
}
