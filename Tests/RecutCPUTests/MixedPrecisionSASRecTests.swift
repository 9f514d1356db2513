import Testing
import RecutCore
import RecutCPU

/// SASRec in mixed precision on the CPU (bfloat16 operands widened around the float32
/// kernels): the same function and gradients as float32 up to bfloat16 rounding.
@Suite struct MixedPrecisionSASRecTests {
    let configuration = SASRecConfiguration(catalogSize: 30, maxLength: 12, dimension: 16, blocks: 2, heads: 2,
                                            dropout: 0.1)
    let batch = 3, length = 12

    func ids() -> Tensor {
        let values = (0..<(batch * length)).map { Int32($0 % 5 == 0 ? 0 : 1 + ($0 * 7) % configuration.catalogSize) }
        return backend.upload(values, shape: [batch, length])
    }

    /// Forward H and every parameter gradient for a fixed dH, from the same initial weights.
    func run(_ precision: Precision) -> (hidden: [Double], gradients: [Double], model: SASRec) {
        let model = SASRec(configuration: configuration, backend: backend, precision: precision, maximumBatch: batch,
                           seed: 5)
        let hidden: [Double] = backend.download(model.forward(ids: ids(), batch: batch, length: length, seed: 9))
        let outputGradient = backend.makeTensor(shape: [batch * length, configuration.dimension],
                                                dtype: model.activationDType)
        // bfloat16-exact, so that both precisions start backward from the same dH.
        backend.write(randomValues(outputGradient.count, seed: 4).map(BFloat16.rounded), into: outputGradient)
        model.zeroGradients()
        model.backward(outputGradient: outputGradient)
        return (hidden, backend.download(model.gradients), model)
    }

    @Test func mixedPrecisionKeepsMasterWeightsInFloat32AndActivationsInBFloat16() {
        let (_, _, model) = run(.bfloat16)
        #expect(model.parameters.dtype == .float32 && model.gradients.dtype == .float32)
        #expect(model.activationDType == .bfloat16 && model.computeParameters.dtype == .bfloat16)
        #expect(model.lossItemTable.dtype == .bfloat16 && model.lossItemTable.shape == model.itemEmbedding.shape)
        let master: [Double] = backend.download(model.parameters)
        let copy: [Double] = backend.download(model.computeParameters)
        #expect(copy == master.map(BFloat16.rounded))
    }

    @Test func mixedPrecisionForwardAndBackwardFollowFloat32() {
        let exact = run(.float32), mixed = run(.bfloat16)
        let hiddenError = relativeError(mixed.hidden, exact.hidden)
        let gradientError = relativeError(mixed.gradients, exact.gradients)
        #expect(hiddenError < 2e-2, "hidden states: relative error \(hiddenError)")
        #expect(gradientError < 2e-2, "gradients: relative error \(gradientError)")
        #expect(hiddenError > 0, "mixed precision should round somewhere")
    }

    @Test func float32PrecisionSharesTheParameterBuffer() {
        let model = SASRec(configuration: configuration, backend: backend, maximumBatch: batch, seed: 5)
        #expect(model.activationDType == .float32)
        #expect(model.computeParameters.storage === model.parameters.storage)
    }
}
