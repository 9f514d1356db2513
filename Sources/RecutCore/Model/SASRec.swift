/// SASRec: item and position embeddings, a stack of pre-norm causal transformer blocks
/// and a final layer norm, with a hand-written backward pass, written once against `Backend`.
///
/// The architecture is PyTorch's `TransformerEncoderLayer(d, heads, F, dropout, "gelu",
/// batch_first=True, norm_first=True)` stacked with a causal mask and no key padding mask,
/// as in the reference script. Parameters and their gradients live in two flat buffers
/// of `layout`; activations live in buffers sized for `maximumBatch` sequences, so a
/// training step allocates nothing.
///
/// Mixed precision (`Precision.bfloat16` with float32 parameters): the parameters, their
/// gradients, the residual stream and the normalisation statistics stay float32; a bfloat16
/// copy of the parameters (`computeParameters`, refreshed at each forward pass) feeds the
/// matrix products, whose operands and outputs between them are bfloat16 (see `MixedPrecision`).
public final class SASRec {
    /// The hyperparameters.
    public let configuration: SASRecConfiguration
    /// The device that holds the buffers and runs the ops.
    public let backend: any Backend
    /// The element type of parameters, gradients and the residual stream.
    public let dtype: DType
    /// The element type of matrix operands and the activations between them, and of the
    /// hidden states H that `forward` returns (`dtype` unless training in mixed precision).
    public let activationDType: DType
    /// The largest batch (in sequences) a forward pass accepts.
    public let maximumBatch: Int
    /// The named slices of `parameters` and `gradients`.
    public let layout: ParameterLayout
    /// All parameters in one flat buffer of `layout`.
    public let parameters: Tensor
    /// The gradients of all parameters, same layout; backward accumulates into it.
    public let gradients: Tensor
    /// The parameters in `activationDType` (the same tensor as `parameters` unless in mixed
    /// precision), read by the matrix products and by the losses as the item table.
    public let computeParameters: Tensor
    /// Whether dropout is active (training) or not (evaluation).
    public var isTraining = true

    private let blockParameters: [BlockTensors]
    /// The block parameters as the matrix products read them (views of `computeParameters`).
    private let blockComputeParameters: [BlockTensors]
    private let blockGradients: [BlockTensors]
    private let activations: [BlockActivations]
    private let scratch: BackwardScratch
    /// The residual stream entering each block, plus the last block's output [N, d].
    private let streams: [Tensor]
    private let finalMean: Tensor
    private let finalReciprocalStandardDeviation: Tensor
    private let output: Tensor
    private let lastRowIndices: Tensor
    private let lastHidden: Tensor
    private var saved: SavedForward?

    /// What backward needs to know about the last forward pass.
    private struct SavedForward {
        var ids: Tensor
        var batch: Int
        var length: Int
        var dropout: Double
        var seed: UInt64
    }

    /// Builds a model with freshly initialised parameters (see
    /// `SASRecConfiguration.initialParameters(seed:)`) and buffers for `maximumBatch` sequences;
    /// `precision` bfloat16 with float32 parameters trains in mixed precision.
    public init(configuration: SASRecConfiguration, backend: any Backend, dtype: DType = .float32,
                precision: Precision = .float32, maximumBatch: Int, seed: UInt64) {
        precondition(dtype == .float32 || dtype == .float64, "SASRec parameters are float32 or float64, not \(dtype)")
        precondition(maximumBatch > 0, "maximumBatch must be positive")
        self.configuration = configuration
        self.backend = backend
        self.dtype = dtype
        let activationDType = MixedPrecision.activationDType(parameters: dtype, precision: precision)
        self.activationDType = activationDType
        self.maximumBatch = maximumBatch
        layout = configuration.parameterLayout
        parameters = backend.makeTensor(shape: [layout.totalCount], dtype: dtype)
        gradients = backend.makeTensor(shape: [layout.totalCount], dtype: dtype)
        computeParameters = activationDType == dtype
            ? parameters : backend.makeTensor(shape: [layout.totalCount], dtype: activationDType)
        backend.write(configuration.initialParameters(seed: seed), into: parameters)

        let layout = layout, parameters = parameters, gradients = gradients
        func blockTensors(_ buffer: Tensor, _ b: Int) -> BlockTensors {
            func slice(_ suffix: String) -> Tensor {
                layout.view(of: layout.entry(named: SASRecParameterName.block(b, suffix))!, in: buffer)
            }
            return BlockTensors(
                inProjectionWeight: slice("attention.in_proj_weight"), inProjectionBias: slice("attention.in_proj_bias"),
                outProjectionWeight: slice("attention.out_proj.weight"), outProjectionBias: slice("attention.out_proj.bias"),
                norm1Weight: slice("norm1.weight"), norm1Bias: slice("norm1.bias"),
                linear1Weight: slice("linear1.weight"), linear1Bias: slice("linear1.bias"),
                linear2Weight: slice("linear2.weight"), linear2Bias: slice("linear2.bias"),
                norm2Weight: slice("norm2.weight"), norm2Bias: slice("norm2.bias"))
        }
        blockParameters = (0..<configuration.blocks).map { blockTensors(parameters, $0) }
        let computeParameters = computeParameters
        blockComputeParameters = (0..<configuration.blocks).map { blockTensors(computeParameters, $0) }
        blockGradients = (0..<configuration.blocks).map { blockTensors(gradients, $0) }

        let rows = maximumBatch * configuration.maxLength, d = configuration.dimension
        activations = (0..<configuration.blocks).map { _ in
            BlockActivations(backend: backend, dtype: dtype, activationDType: activationDType, rows: rows,
                             sequences: maximumBatch, configuration: configuration)
        }
        scratch = BackwardScratch(backend: backend, dtype: dtype, activationDType: activationDType, rows: rows,
                                  configuration: configuration)
        streams = (0...configuration.blocks).map { _ in backend.makeTensor(shape: [rows, d], dtype: dtype) }
        finalMean = backend.makeTensor(shape: [rows], dtype: dtype)
        finalReciprocalStandardDeviation = backend.makeTensor(shape: [rows], dtype: dtype)
        output = backend.makeTensor(shape: [rows, d], dtype: activationDType)
        lastRowIndices = backend.makeTensor(shape: [maximumBatch], dtype: .int32)
        lastHidden = backend.makeTensor(shape: [maximumBatch, d], dtype: dtype)
    }

    // MARK: Named parameters

    /// The view of the parameter called `name` (a `layout` entry name).
    public func parameter(named name: String) -> Tensor {
        guard let entry = layout.entry(named: name) else { preconditionFailure("no parameter named \(name)") }
        return layout.view(of: entry, in: parameters)
    }

    /// The view of the gradient of the parameter called `name`.
    public func gradient(named name: String) -> Tensor {
        guard let entry = layout.entry(named: name) else { preconditionFailure("no parameter named \(name)") }
        return layout.view(of: entry, in: gradients)
    }

    /// The item table E [C+1, d], also the tied output layer; row 0 is padding.
    public var itemEmbedding: Tensor { parameter(named: SASRecParameterName.itemEmbedding) }

    /// The item table as the losses read it, in `activationDType` (a view of `computeParameters`),
    /// as of the last forward pass.
    public var lossItemTable: Tensor {
        layout.view(of: layout.entry(named: SASRecParameterName.itemEmbedding)!, in: computeParameters)
    }

    /// The gradient of the item table [C+1, d]; a loss adds its output-layer gradient dE here.
    public var itemEmbeddingGradient: Tensor { gradient(named: SASRecParameterName.itemEmbedding) }

    /// Sets every gradient to zero (before the loss and backward of a step).
    public func zeroGradients() {
        backend.fill(gradients, with: 0)
    }

    // MARK: Forward

    /// Runs the model on `batch` right-aligned sequences of `length` int32 item ids
    /// ([batch, length], padding 0) and returns the hidden states H [batch * length, d] in
    /// `activationDType`.
    ///
    /// `seed` fixes the step's dropout masks (ignored in evaluation mode). Positions are
    /// numbered so that the last column is position maxLength - 1, as when every sequence is
    /// left-padded to maxLength. The returned view stays valid until the next forward pass.
    public func forward(ids: Tensor, batch: Int, length: Int, seed: UInt64 = 0) -> Tensor {
        run(ids: ids, batch: batch, length: length, dropout: isTraining ? configuration.dropout : 0, seed: seed)
    }

    /// The hidden state of the last position of each of `batch` sequences [batch, d] in
    /// `dtype`, computed without dropout (for ranking); it replaces the state saved for backward.
    public func lastHiddenStates(ids: Tensor, batch: Int, length: Int) -> Tensor {
        let hidden = run(ids: ids, batch: batch, length: length, dropout: 0, seed: 0)
        backend.write((0..<batch).map { Int32($0 * length + length - 1) }, into: lastRowIndices)
        let result = lastHidden.view(offset: 0, shape: [batch, configuration.dimension])
        backend.embeddingForward(result, ids: lastRowIndices, table: hidden, count: batch,
                                 dimension: configuration.dimension)
        return result
    }

    private func run(ids: Tensor, batch: Int, length: Int, dropout p: Double, seed: UInt64) -> Tensor {
        let c = configuration, d = c.dimension, f = c.feedForwardDimension, n = batch * length
        precondition(batch >= 1 && batch <= maximumBatch, "batch \(batch) outside 1...\(maximumBatch)")
        precondition(length >= 1 && length <= c.maxLength, "length \(length) outside 1...\(c.maxLength)")
        precondition(ids.dtype == .int32 && ids.count >= n, "ids must be \(n) int32 values")
        func rows(_ tensor: Tensor, _ width: Int) -> Tensor { tensor.view(offset: 0, shape: [n, width]) }
        func vector(_ tensor: Tensor) -> Tensor { tensor.view(offset: 0, shape: [n]) }
        func site(_ index: Int) -> UInt64 { DropoutMask.siteSeed(step: seed, site: index) }

        if computeParameters.storage !== parameters.storage { backend.copy(computeParameters, from: parameters) }
        let embedded = rows(streams[0], d)
        backend.embeddingForward(embedded, ids: ids, table: itemEmbedding, count: n, dimension: d)
        if c.embeddingScale != 1 { backend.scale(embedded, by: c.embeddingScale, count: n * d) }
        backend.addBias(embedded, bias: positionSlice(parameter(named: SASRecParameterName.positionEmbedding), length: length),
                        rows: batch, columns: length * d)
        if p > 0 { backend.dropoutForward(embedded, input: embedded, count: n * d, probability: p, seed: site(0)) }

        let branch = rows(scratch.branch, d)
        for b in 0..<c.blocks {
            let a = activations[b], w = blockParameters[b], m = blockComputeParameters[b]
            let input = rows(streams[b], d), middle = rows(a.middle, d)
            let norm1 = rows(a.norm1, d), qkv = rows(a.qkv, 3 * d), attention = rows(a.attention, d)
            let norm2 = rows(a.norm2, d), hidden = rows(a.hidden, f), activated = rows(a.activated, f)
            backend.layerNormForward(norm1, mean: vector(a.norm1Mean),
                                     reciprocalStandardDeviation: vector(a.norm1ReciprocalStandardDeviation),
                                     input: input, weight: w.norm1Weight, bias: w.norm1Bias,
                                     rows: n, dimension: d, epsilon: c.layerNormEpsilon)
            linearForward(qkv, input: norm1, weight: m.inProjectionWeight, bias: w.inProjectionBias,
                          rows: n, inputWidth: d, outputWidth: 3 * d)
            backend.attentionForward(attention, saved: savedAttention(a, batch: batch, length: length), qkv: qkv,
                                     batch: batch, length: length, heads: c.heads, dimension: d,
                                     dropout: p, seed: site(1 + 4 * b))
            linearForward(branch, input: attention, weight: m.outProjectionWeight, bias: w.outProjectionBias,
                          rows: n, inputWidth: d, outputWidth: d)
            if p > 0 { backend.dropoutForward(branch, input: branch, count: n * d, probability: p, seed: site(2 + 4 * b)) }
            backend.add(middle, input, branch, count: n * d)

            backend.layerNormForward(norm2, mean: vector(a.norm2Mean),
                                     reciprocalStandardDeviation: vector(a.norm2ReciprocalStandardDeviation),
                                     input: middle, weight: w.norm2Weight, bias: w.norm2Bias,
                                     rows: n, dimension: d, epsilon: c.layerNormEpsilon)
            linearForward(hidden, input: norm2, weight: m.linear1Weight, bias: w.linear1Bias,
                          rows: n, inputWidth: d, outputWidth: f)
            backend.geluForward(activated, input: hidden, count: n * f)
            if p > 0 {
                backend.dropoutForward(activated, input: activated, count: n * f, probability: p, seed: site(3 + 4 * b))
            }
            linearForward(branch, input: activated, weight: m.linear2Weight, bias: w.linear2Bias,
                          rows: n, inputWidth: f, outputWidth: d)
            if p > 0 { backend.dropoutForward(branch, input: branch, count: n * d, probability: p, seed: site(4 + 4 * b)) }
            backend.add(rows(streams[b + 1], d), middle, branch, count: n * d)
        }

        let result = rows(output, d)
        backend.layerNormForward(result, mean: vector(finalMean),
                                 reciprocalStandardDeviation: vector(finalReciprocalStandardDeviation),
                                 input: rows(streams[c.blocks], d),
                                 weight: parameter(named: SASRecParameterName.finalNormWeight),
                                 bias: parameter(named: SASRecParameterName.finalNormBias),
                                 rows: n, dimension: d, epsilon: c.layerNormEpsilon)
        saved = SavedForward(ids: ids, batch: batch, length: length, dropout: p, seed: seed)
        return result
    }

    // MARK: Backward

    /// Accumulates into `gradients` the gradient of the loss with respect to every
    /// parameter, given dH [batch * length, d] for the last forward pass.
    ///
    /// Each block's gradients are written over the activations that block saved, once
    /// backward has read them (a Linear's input gradient over its input, the query-key-value
    /// gradient over the feed-forward pre-activation), so backward needs little scratch of its
    /// own and may run once per forward pass.
    ///
    /// The padding row of the item table gradient is zeroed at the end, so a loss must
    /// add its dE before calling this (or must leave row 0 alone) for row 0 to stay fixed.
    public func backward(outputGradient: Tensor) {
        guard let saved else { preconditionFailure("backward called before forward") }
        let c = configuration, d = c.dimension, f = c.feedForwardDimension
        let batch = saved.batch, length = saved.length, n = batch * length, p = saved.dropout
        precondition(outputGradient.count >= n * d, "outputGradient must hold \(n * d) values")
        func rows(_ tensor: Tensor, _ width: Int) -> Tensor { tensor.view(offset: 0, shape: [n, width]) }
        func vector(_ tensor: Tensor) -> Tensor { tensor.view(offset: 0, shape: [n]) }
        func site(_ index: Int) -> UInt64 { DropoutMask.siteSeed(step: saved.seed, site: index) }

        let residual = rows(scratch.residual, d), branch = rows(scratch.branch, d)
        backend.fill(residual, with: 0)
        backend.layerNormBackward(residual, weightGradient: gradient(named: SASRecParameterName.finalNormWeight),
                                  biasGradient: gradient(named: SASRecParameterName.finalNormBias),
                                  outputGradient: rows(outputGradient, d), input: rows(streams[c.blocks], d),
                                  weight: parameter(named: SASRecParameterName.finalNormWeight),
                                  mean: vector(finalMean),
                                  reciprocalStandardDeviation: vector(finalReciprocalStandardDeviation),
                                  rows: n, dimension: d)

        for b in (0..<c.blocks).reversed() {
            let a = activations[b], w = blockParameters[b], m = blockComputeParameters[b], g = blockGradients[b]
            // Gradients overwrite the activations they no longer need: linearBackward reads its
            // input before it writes the input gradient.
            let wide = rows(a.activated, f), norm2Gradient = rows(a.norm2, d)
            let attentionGradient = rows(a.attention, d), norm1Gradient = rows(a.norm1, d)
            let qkvGradient = rows(scratch.qkv ?? a.hidden, 3 * d)
            var branchGradient = branchGradient(residual, into: branch, dropout: p, seed: site(4 + 4 * b))
            linearBackward(wide, weightGradient: g.linear2Weight, biasGradient: g.linear2Bias,
                           outputGradient: branchGradient, input: rows(a.activated, f), weight: m.linear2Weight,
                           rows: n, inputWidth: f, outputWidth: d)
            if p > 0 {
                backend.dropoutBackward(wide, outputGradient: wide, count: n * f, probability: p, seed: site(3 + 4 * b))
            }
            backend.geluBackward(wide, outputGradient: wide, input: rows(a.hidden, f), count: n * f)
            linearBackward(norm2Gradient, weightGradient: g.linear1Weight, biasGradient: g.linear1Bias,
                           outputGradient: wide, input: rows(a.norm2, d), weight: m.linear1Weight,
                           rows: n, inputWidth: d, outputWidth: f)
            backend.layerNormBackward(residual, weightGradient: g.norm2Weight, biasGradient: g.norm2Bias,
                                      outputGradient: norm2Gradient, input: rows(a.middle, d), weight: w.norm2Weight,
                                      mean: vector(a.norm2Mean),
                                      reciprocalStandardDeviation: vector(a.norm2ReciprocalStandardDeviation),
                                      rows: n, dimension: d)

            branchGradient = self.branchGradient(residual, into: branch, dropout: p, seed: site(2 + 4 * b))
            linearBackward(attentionGradient, weightGradient: g.outProjectionWeight, biasGradient: g.outProjectionBias,
                           outputGradient: branchGradient, input: rows(a.attention, d), weight: m.outProjectionWeight,
                           rows: n, inputWidth: d, outputWidth: d)
            backend.attentionBackward(qkvGradient, outputGradient: attentionGradient, qkv: rows(a.qkv, 3 * d),
                                      saved: savedAttention(a, batch: batch, length: length),
                                      batch: batch, length: length, heads: c.heads, dimension: d,
                                      dropout: p, seed: site(1 + 4 * b))
            linearBackward(norm1Gradient, weightGradient: g.inProjectionWeight, biasGradient: g.inProjectionBias,
                           outputGradient: qkvGradient, input: rows(a.norm1, d), weight: m.inProjectionWeight,
                           rows: n, inputWidth: d, outputWidth: 3 * d)
            backend.layerNormBackward(residual, weightGradient: g.norm1Weight, biasGradient: g.norm1Bias,
                                      outputGradient: norm1Gradient, input: rows(streams[b], d), weight: w.norm1Weight,
                                      mean: vector(a.norm1Mean),
                                      reciprocalStandardDeviation: vector(a.norm1ReciprocalStandardDeviation),
                                      rows: n, dimension: d)
        }

        if p > 0 { backend.dropoutBackward(residual, outputGradient: residual, count: n * d, probability: p, seed: site(0)) }
        backend.biasBackward(positionSlice(gradient(named: SASRecParameterName.positionEmbedding), length: length),
                             outputGradient: residual, rows: batch, columns: length * d)
        if c.embeddingScale != 1 { backend.scale(residual, by: c.embeddingScale, count: n * d) }
        let itemGradient = itemEmbeddingGradient
        backend.embeddingBackward(itemGradient, outputGradient: residual, ids: saved.ids,
                                  count: n, dimension: d, skipping: 0)
        backend.fill(itemGradient.view(offset: 0, shape: [d]), with: 0)
    }

    // MARK: Helpers

    /// The gradient of a branch output before its dropout, from the residual gradient: the
    /// residual gradient itself when there is no dropout and no cast to the activation dtype,
    /// else written into `scratch`.
    private func branchGradient(_ residual: Tensor, into scratch: Tensor, dropout p: Double, seed: UInt64) -> Tensor {
        if p > 0 {
            backend.dropoutBackward(scratch, outputGradient: residual, count: residual.count, probability: p, seed: seed)
            return scratch
        }
        if scratch.dtype == residual.dtype { return residual }
        backend.copy(scratch, from: residual)
        return scratch
    }

    /// The rows of a position table (or its gradient) used by sequences of `length`,
    /// flattened to [length * d]: the last `length` positions.
    private func positionSlice(_ table: Tensor, length: Int) -> Tensor {
        let d = configuration.dimension
        return table.view(offset: (configuration.maxLength - length) * d, shape: [length * d])
    }

    /// The part of a block's attention state that a batch of these sizes uses.
    private func savedAttention(_ a: BlockActivations, batch: Int, length: Int) -> Tensor {
        let c = configuration
        let count = backend.attentionSavedCount(batch: batch, length: length, heads: c.heads, dimension: c.dimension)
        return a.savedAttention.view(offset: 0, shape: [count])
    }

    /// output = input weight^T + bias (PyTorch's Linear; weight is [outputWidth, inputWidth]).
    private func linearForward(_ output: Tensor, input: Tensor, weight: Tensor, bias: Tensor,
                               rows: Int, inputWidth: Int, outputWidth: Int) {
        backend.matmul(output, input, weight, rows: rows, columns: outputWidth, inner: inputWidth,
                       transposeA: false, transposeB: true, alpha: 1, beta: 0)
        backend.addBias(output, bias: bias, rows: rows, columns: outputWidth)
    }

    /// Accumulates the weight and bias gradients of a Linear and writes its input gradient,
    /// which may be `input`'s buffer: the input is read before the input gradient is written.
    private func linearBackward(_ inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor,
                                outputGradient: Tensor, input: Tensor, weight: Tensor,
                                rows: Int, inputWidth: Int, outputWidth: Int) {
        backend.matmul(weightGradient, outputGradient, input, rows: outputWidth, columns: inputWidth, inner: rows,
                       transposeA: true, transposeB: false, alpha: 1, beta: 1)
        backend.biasBackward(biasGradient, outputGradient: outputGradient, rows: rows, columns: outputWidth)
        backend.matmul(inputGradient, outputGradient, weight, rows: rows, columns: inputWidth, inner: outputWidth,
                       transposeA: false, transposeB: false, alpha: 1, beta: 0)
    }
}
