/// The operations a device must provide to train and run SASRec.
///
/// The model and the losses are written once against this protocol; a backend adds
/// kernels, never model logic. Conventions (after llm.c): outputs first, then inputs,
/// then sizes; a backward op takes exactly what its forward op saved. All tensors are
/// contiguous and row-major. Floating-point operands of one op share one dtype, except in
/// mixed precision: float32 and bfloat16 operands may then mix as `MixedPrecision` lists
/// (the ops compute in float32 and round each output to its dtype); float64 never mixes.
/// Backward ops ACCUMULATE (+=) into parameter gradients; input gradients are written
/// (=), except layer norm's, which accumulates into the residual stream.
public protocol Backend: AnyObject, Sendable {
    /// A short name for logs ("cpu", "cuda:0").
    var name: String { get }
    /// The precision training uses here when the user does not choose: bfloat16 where the
    /// hardware multiplies it natively, else float32.
    var preferredPrecision: Precision { get }

    // MARK: Memory

    /// Bytes the backend can still allocate (a GPU's free memory, the host's physical memory),
    /// so that work that cannot fit is refused before it starts.
    var freeMemoryBytes: Int { get }
    /// A new zero-filled tensor.
    func makeTensor(shape: [Int], dtype: DType) -> Tensor
    /// A new float32 tensor holding `values`.
    func upload(_ values: [Float], shape: [Int]) -> Tensor
    /// A new float64 tensor holding `values`.
    func upload(_ values: [Double], shape: [Int]) -> Tensor
    /// A new int32 tensor holding `values` (item ids, targets).
    func upload(_ values: [Int32], shape: [Int]) -> Tensor
    /// Overwrites the first `values.count` elements of a floating-point tensor, converting to its dtype.
    func write(_ values: [Double], into tensor: Tensor)
    /// Overwrites the first `values.count` elements of a floating-point tensor, converting to its dtype.
    func write(_ values: [Float], into tensor: Tensor)
    /// Overwrites the first `values.count` elements of an int32 tensor, so that batches reuse one buffer.
    func write(_ values: [Int32], into tensor: Tensor)
    /// The elements of a floating-point tensor as float64.
    func download(_ tensor: Tensor) -> [Double]
    /// The elements of a floating-point tensor as float32.
    func download(_ tensor: Tensor) -> [Float]
    /// The elements of an int32 tensor.
    func download(_ tensor: Tensor) -> [Int32]
    /// Sets every element of `tensor` to `value`.
    func fill(_ tensor: Tensor, with value: Double)
    /// A marker of all the work queued so far, for `stageWrite(_:into:after:)`; nil where
    /// work runs as it is called (the CPU).
    func queueMarker() -> (any QueueMarker)?
    /// Copies `values` into `tensor` beside the computation, once the work queued before
    /// `marker` is done, so that the next step's inputs travel while this step computes.
    ///
    /// Work queued before `marker` may read `tensor`; work queued after it must not, until
    /// `awaitStagedWrites()` (double-buffer the tensor). Ops queued after the next
    /// `awaitStagedWrites()` see the values.
    func stageWrite(_ values: [Int32], into tensor: Tensor, after marker: (any QueueMarker)?)
    /// Makes the ops queued from now on wait for every `stageWrite` so far.
    func awaitStagedWrites()
    /// Copies `source` into `destination` (same element count; dtypes may differ among float32/float64).
    func copy(_ destination: Tensor, from source: Tensor)

    // MARK: Linear algebra

    /// output[m,n] = alpha * op(a)[m,k] * op(b)[k,n] + beta * output, where op transposes
    /// when asked (a is stored [k,m] when transposed, b is stored [n,k] when transposed).
    func matmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                rows: Int, columns: Int, inner: Int,
                transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double)
    /// `batchCount` independent matmuls; matrix i of each operand starts `i * stride` elements
    /// after the operand's first element.
    func batchedMatmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                       rows: Int, columns: Int, inner: Int,
                       transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double,
                       batchCount: Int, outputStride: Int, aStride: Int, bStride: Int)

    // MARK: Elementwise

    /// output = a + b over `count` elements (residual connections); output may alias a or b.
    func add(_ output: Tensor, _ a: Tensor, _ b: Tensor, count: Int)
    /// output += scale * input over `count` elements (axpy).
    func addScaled(_ output: Tensor, _ input: Tensor, scale: Double, count: Int)
    /// tensor *= factor over the first `count` elements.
    func scale(_ tensor: Tensor, by factor: Double, count: Int)
    /// The sum of the squares of the first `count` elements (for global-norm gradient clipping).
    func sumOfSquares(_ tensor: Tensor, count: Int) -> Double

    // MARK: Embeddings

    /// output[i,:] = table[ids[i],:] for `count` ids (ids are int32).
    func embeddingForward(_ output: Tensor, ids: Tensor, table: Tensor, count: Int, dimension: Int)
    /// tableGradient[ids[i],:] += outputGradient[i,:], skipping rows whose id is `skipping`
    /// (the padding id, whose row must stay fixed).
    func embeddingBackward(_ tableGradient: Tensor, outputGradient: Tensor, ids: Tensor,
                           count: Int, dimension: Int, skipping skippedID: Int32?)

    // MARK: Layer norm

    /// output = (input - mean) * rstd * weight + bias per row of `dimension` elements;
    /// saves mean [rows] and rstd [rows] (1 / sqrt(variance + epsilon), biased variance).
    func layerNormForward(_ output: Tensor, mean: Tensor, reciprocalStandardDeviation: Tensor,
                          input: Tensor, weight: Tensor, bias: Tensor,
                          rows: Int, dimension: Int, epsilon: Double)
    /// inputGradient += d input; weightGradient += d weight; biasGradient += d bias.
    func layerNormBackward(_ inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor,
                           outputGradient: Tensor, input: Tensor, weight: Tensor,
                           mean: Tensor, reciprocalStandardDeviation: Tensor,
                           rows: Int, dimension: Int)

    // MARK: Attention

    /// The number of elements (of the attention's dtype) that `attentionForward` saves for
    /// `attentionBackward` at these sizes.
    ///
    /// The backend chooses what to save: the CPU keeps the softmax probabilities
    /// [batch, heads, length, length]; a fused GPU kernel keeps per-row statistics only.
    func attentionSavedCount(batch: Int, length: Int, heads: Int, dimension: Int) -> Int

    /// Causal multi-head self-attention core. qkv is [batch, length, 3*dimension] (queries,
    /// keys, values side by side, each split into `heads` contiguous heads); output is
    /// [batch, length, dimension] = dropout(softmax(q k^T / sqrt(head size) + causal mask)) v.
    /// Writes into `saved` (at least `attentionSavedCount` elements) what backward needs; the
    /// dropout mask on the probabilities comes from `seed` (see `DropoutMask`, element index =
    /// position in a [batch, heads, length, length] tensor) and is not stored.
    func attentionForward(_ output: Tensor, saved: Tensor, qkv: Tensor,
                          batch: Int, length: Int, heads: Int, dimension: Int,
                          dropout: Double, seed: UInt64)
    /// Writes qkvGradient [batch, length, 3*dimension] from outputGradient and the state
    /// `attentionForward` saved (which it may extend with backward's own statistics).
    func attentionBackward(_ qkvGradient: Tensor, outputGradient: Tensor, qkv: Tensor,
                           saved: Tensor,
                           batch: Int, length: Int, heads: Int, dimension: Int,
                           dropout: Double, seed: UInt64)

    // MARK: Activations

    /// output = GELU(input), the exact erf form (PyTorch's "gelu"); output may alias input.
    func geluForward(_ output: Tensor, input: Tensor, count: Int)
    /// inputGradient = outputGradient * GELU'(input); inputGradient may alias outputGradient.
    func geluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int)
    /// output = max(input, 0); output may alias input.
    func reluForward(_ output: Tensor, input: Tensor, count: Int)
    /// inputGradient = outputGradient where input > 0, else 0; inputGradient may alias outputGradient.
    func reluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int)

    // MARK: Dropout

    /// output = input * keep / (1 - probability), keep from `DropoutMask` under `seed`
    /// (element index = position in the tensor); output may alias input.
    func dropoutForward(_ output: Tensor, input: Tensor, count: Int, probability: Double, seed: UInt64)
    /// inputGradient = outputGradient * keep / (1 - probability), the same mask recomputed;
    /// inputGradient may alias outputGradient.
    func dropoutBackward(_ inputGradient: Tensor, outputGradient: Tensor, count: Int,
                         probability: Double, seed: UInt64)

    // MARK: Bias

    /// output[r,:] += bias for each of `rows` rows of `columns` elements.
    func addBias(_ output: Tensor, bias: Tensor, rows: Int, columns: Int)
    /// biasGradient += the column sums of outputGradient [rows, columns].
    func biasBackward(_ biasGradient: Tensor, outputGradient: Tensor, rows: Int, columns: Int)

    // MARK: Row reductions

    /// output[r,:] = softmax(input[r,:]) for each of `rows` rows; output may alias input.
    func softmaxRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int)
    /// output[r] = log(sum(exp(input[r,:]))), computed stably.
    func logSumExpRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int)

    // MARK: Optimizer

    /// One fused AdamW update of `count` elements of a flat parameter buffer: the
    /// gradient times `step.gradientScale` updates the moments, bias correction uses
    /// `step.step`, and decoupled weight decay `step.weightDecay` applies to every element
    /// (a caller runs the op once per run of elements that agree on decay, with 0 where none applies).
    /// A closed `gate` (float32 [1], see `clearGateIfNonFinite`) leaves everything untouched.
    func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
               count: Int, step: AdamWStep, gate: Tensor?)

    // MARK: Step gate (skipping a step whose loss or gradients are not finite, without a read-back)
    // A gate is a float32 [1] tensor, open while it holds exactly 1: filled with 1 before a step's
    // checks, it stays open through averaging over data-parallel ranks only if every rank's was.

    /// Sets `gate[0]` to 0 when any of the first `count` values (float32 or float64) is NaN or
    /// infinite; leaves it otherwise.
    func clearGateIfNonFinite(_ gate: Tensor, values: Tensor, count: Int)
    /// `total[0] += stepValue[0]` when `gate` is open, else `skipped[0] += 1` (float64 but the gate).
    func commitGated(_ stepValue: Tensor, gate: Tensor, total: Tensor, skipped: Tensor)
}

extension Backend {
    /// `adamW` without a gate: the update always applies.
    public func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
                      count: Int, step: AdamWStep) {
        adamW(parameters: parameters, gradients: gradients, firstMoment: firstMoment, secondMoment: secondMoment,
              count: count, step: step, gate: nil)
    }
}
