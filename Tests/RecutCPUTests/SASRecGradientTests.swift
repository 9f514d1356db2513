import Testing
import RecutCore
import RecutCPU

private let configuration = SASRecConfiguration(catalogSize: 7, maxLength: 5, dimension: 8, blocks: 2, heads: 2,
                                                dropout: 0)
/// The same model with dropout at every site, to check the masked paths (the masks are
/// fixed by the step seed, so finite differences see the same function).
private let droppingConfiguration = SASRecConfiguration(catalogSize: 7, maxLength: 5, dimension: 8, blocks: 2,
                                                        heads: 2, dropout: 0.3)
/// A feed-forward width below 3d, so backward keeps the query-key-value gradient in its own
/// scratch instead of over the feed-forward pre-activation.
private let narrowConfiguration = SASRecConfiguration(catalogSize: 7, maxLength: 5, dimension: 8, blocks: 2, heads: 2,
                                                      feedForwardDimension: 12, dropout: 0.3)
private let batch = 2, length = 5
/// Two left-padded sequences; item 7 repeats to exercise accumulation in the table gradient.
private let sequenceIDs: [Int32] = [0, 0, 3, 5, 1, 2, 7, 7, 4, 6]

/// Initial parameters plus noise, so that blocks differ and biases are non-zero; the
/// padding row stays zero.
private func perturbedParameters(_ model: SASRec) -> [Double] {
    let noise = randomValues(model.layout.totalCount, seed: 11, scale: 0.1)
    var values = zip(model.configuration.initialParameters(seed: 3), noise).map { $0 + $1 }
    let item = model.layout.entry(named: "item_embedding.weight")!
    for i in item.offset..<(item.offset + model.configuration.dimension) { values[i] = 0 }
    return values
}

@Test(arguments: [configuration, droppingConfiguration, narrowConfiguration])
func sasRecGradientsMatchFiniteDifferences(configuration: SASRecConfiguration) {
    let model = SASRec(configuration: configuration, backend: backend, dtype: .float64, maximumBatch: batch, seed: 3)
    let ids = backend.upload(sequenceIDs, shape: [batch, length])
    let projection = randomValues(batch * length * configuration.dimension, seed: 12)
    let point = perturbedParameters(model)

    func loss(_ parameters: [Double]) -> Double {
        backend.write(parameters, into: model.parameters)
        return weightedSum(values(model.forward(ids: ids, batch: batch, length: length, seed: 21)), projection)
    }
    backend.write(point, into: model.parameters)
    model.zeroGradients()
    _ = model.forward(ids: ids, batch: batch, length: length, seed: 21)
    model.backward(outputGradient: tensor(projection, [batch * length, configuration.dimension]))
    let analytic = values(model.gradients)

    for entry in model.layout.entries {
        // The padding row's gradient is dropped on purpose; check the other rows.
        let first = entry.name == "item_embedding.weight" ? configuration.dimension : 0
        let indices = (entry.offset + first)..<(entry.offset + entry.count)
        var shifted = point
        let numeric = indices.map { i in
            let step = 1e-5
            shifted[i] = point[i] + step
            let up = loss(shifted)
            shifted[i] = point[i] - step
            let down = loss(shifted)
            shifted[i] = point[i]
            return (up - down) / (2 * step)
        }
        let error = relativeError(Array(analytic[indices]), numeric)
        #expect(error < 1e-6, "gradient of \(entry.name): relative error \(error)")
    }
    let paddingRow = analytic[0..<configuration.dimension]
    #expect(paddingRow.allSatisfy { $0 == 0 })
}

@Test func sasRecFloat32ForwardMatchesFloat64() {
    let double = SASRec(configuration: configuration, backend: backend, dtype: .float64, maximumBatch: batch, seed: 3)
    let single = SASRec(configuration: configuration, backend: backend, dtype: .float32, maximumBatch: batch, seed: 3)
    let point = perturbedParameters(double)
    backend.write(point, into: double.parameters)
    backend.write(point, into: single.parameters)
    let ids = backend.upload(sequenceIDs, shape: [batch, length])
    let expected = values(double.forward(ids: ids, batch: batch, length: length))
    let actual = values(single.forward(ids: ids, batch: batch, length: length))
    #expect(relativeError(actual, expected) < 1e-5)
}
