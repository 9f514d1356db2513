import Testing
import RecutCore
import RecutCPU

@Test func embeddingGathersRowsAndScattersGradientsSkippingPadding() {
    let rows = 5, dimension = 3
    let table = randomValues(rows * dimension, seed: 1)
    let ids: [Int32] = [2, 0, 4, 2, 1]
    let idTensor = backend.upload(ids, shape: [ids.count])
    let output = backend.makeTensor(shape: [ids.count, dimension], dtype: .float64)
    backend.embeddingForward(output, ids: idTensor, table: tensor(table, [rows, dimension]),
                             count: ids.count, dimension: dimension)
    #expect(values(output) == ids.flatMap { table[(Int($0) * dimension)..<((Int($0) + 1) * dimension)] })

    let outputGradient = randomValues(ids.count * dimension, seed: 2)
    let tableGradient = tensor([Double](repeating: 1, count: rows * dimension), [rows, dimension])
    backend.embeddingBackward(tableGradient, outputGradient: tensor(outputGradient, [ids.count, dimension]),
                              ids: idTensor, count: ids.count, dimension: dimension, skipping: 0)
    var expected = [Double](repeating: 1, count: rows * dimension)
    for (i, id) in ids.enumerated() where id != 0 {
        for c in 0..<dimension { expected[Int(id) * dimension + c] += outputGradient[i * dimension + c] }
    }
    #expect(relativeError(values(tableGradient), expected) < 1e-15)
}
