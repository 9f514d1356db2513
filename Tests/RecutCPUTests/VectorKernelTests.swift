import CVectorKernels
import Foundation
import RecutCore
import RecutCPU
import Testing

/// The C kernels of the float32 path (CVectorKernels) in every instruction set the machine has:
/// their vector e^x and erf against float64 libm and at the edges, and the full softmax
/// cross-entropy and GELU against the backend's float64 reference, with row lengths that leave
/// partial vectors; dropout against `DropoutMask` bit for bit.
@Suite(.serialized) struct VectorKernelTests {
    private func apply(_ function: (UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int) -> Void,
                       _ input: [Float]) -> [Float] {
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer { function($0.baseAddress, input, input.count) }
        return output
    }

    @Test func exponentialsAreWithinTwoUlpsOfLibm() {
        let input = stride(from: Float(-87.3), to: 88.72, by: 0.0013).map { $0 }
        forEachInstructionSet { instructionSet in
            let output = apply(recut_exponentials, input)
            let worst = zip(input, output).map { abs(Double($1) - exp(Double($0))) / exp(Double($0)) }.max()!
            #expect(worst < 2.5e-7, "\(instructionSet)")
            let edges = apply(recut_exponentials, [-.infinity, -200, -100, 0, .infinity, 100, .nan, -0.0, 1])
            #expect(edges[0] == 0 && edges[1] == 0 && edges[3] == 1 && edges[4] == .infinity && edges[5] == .infinity,
                    "\(instructionSet)")
            #expect(edges[6].isNaN && edges[7] == 1 && abs(Double(edges[2]) - exp(-100.0)) < 1e-45, "\(instructionSet)")
        }
    }

    /// Abramowitz and Stegun bound the formula by 1.5e-7; float32 arithmetic adds a few ulps.
    @Test func errorFunctionsAreWithinAbramowitzAndStegunsBoundAndRounding() {
        let input = stride(from: Float(-6), to: 6, by: 0.0007).map { $0 }
        forEachInstructionSet { instructionSet in
            let output = apply(recut_error_functions, input)
            #expect(zip(input, output).map { abs(Double($1) - erf(Double($0))) }.max()! < 6e-7, "\(instructionSet)")
            let edges = apply(recut_error_functions, [-.infinity, .infinity, .nan, 0, 30, -30, 1])
            #expect(edges[0] == -1 && edges[1] == 1 && edges[2].isNaN && abs(edges[3]) < 1e-9 && edges[4] == 1
                    && edges[5] == -1, "\(instructionSet)")
        }
    }

    @Test(arguments: [(7, 1), (5, 37), (9, 1683), (3, 16)])
    func softmaxCrossEntropyMatchesTheFloat64Reference(shape: (rows: Int, columns: Int)) {
        let (rows, columns) = shape
        let logits = randomValues(rows * columns, seed: UInt64(columns), scale: 6)
        // Row 0's target lies before the first column (a padding target): loss and gradient 0.
        let targets = (0..<rows).map { Int32($0 == 0 ? 0 : ($0 * 7919) % columns) }
        let firstColumn = columns > 1 ? 1 : 0
        func run(_ logitTensor: Tensor, _ losses: Tensor) -> (losses: [Double], gradient: [Double]) {
            backend.softmaxCrossEntropy(losses, logits: logitTensor, targets: backend.upload(targets, shape: [rows]),
                                        rows: rows, columns: columns, firstColumn: firstColumn, gradientScale: 0.25)
            return (values(losses), values(logitTensor))
        }
        let reference = run(tensor(logits, [rows, columns]), backend.makeTensor(shape: [rows], dtype: .float64))
        forEachInstructionSet { instructionSet in
            let single = run(backend.upload(logits.map(Float.init), shape: [rows, columns]),
                             backend.makeTensor(shape: [rows], dtype: .float32))
            #expect(relativeError(single.losses, reference.losses) < 1e-6, "\(instructionSet)")
            #expect(relativeError(single.gradient, reference.gradient) < 1e-6, "\(instructionSet)")
        }
    }

    /// The mask is DropoutMask's to the bit, at any starting element (the GPU draws the same).
    @Test func dropoutKeepsExactlyDropoutMasksElements() {
        let count = 10_007, probability = 0.3
        let input = randomValues(count, seed: 21).map(Float.init)
        let keepScale = Float(1 / (1 - probability)), threshold = DropoutMask.threshold(probability: probability)
        forEachInstructionSet { instructionSet in
            for (seed, first) in [(UInt64(5), 0), (0xDEAD_BEEF_CAFE, 12_345)] {
                var output = [Float](repeating: .nan, count: count)
                output.withUnsafeMutableBufferPointer {
                    recut_dropout($0.baseAddress, input, first, count, seed, threshold, keepScale)
                }
                let expected = input.indices.map {
                    DropoutMask.keeps(seed: seed, index: first + $0, threshold: threshold) ? input[$0] * keepScale : 0
                }
                #expect(output == expected, "\(instructionSet) seed \(seed)")
            }
            // Through the backend, whose chunks start anywhere.
            let tensor = backend.upload(input, shape: [count])
            backend.dropoutForward(tensor, input: tensor, count: count, probability: probability, seed: 9)
            let expected = input.indices.map {
                DropoutMask.keeps(seed: 9, index: $0, threshold: threshold) ? input[$0] * keepScale : 0
            }
            #expect(backend.download(tensor) as [Float] == expected, "\(instructionSet)")
        }
    }

    @Test func geluMatchesTheFloat64Reference() {
        let count = 1001
        let input = randomValues(count, seed: 11, scale: 5), outputGradient = randomValues(count, seed: 12)
        let forward = backend.makeTensor(shape: [count], dtype: .float64)
        let backward = backend.makeTensor(shape: [count], dtype: .float64)
        backend.geluForward(forward, input: tensor(input, [count]), count: count)
        backend.geluBackward(backward, outputGradient: tensor(outputGradient, [count]), input: tensor(input, [count]),
                             count: count)
        forEachInstructionSet { instructionSet in
            let singleInput = backend.upload(input.map(Float.init), shape: [count])
            let output = backend.makeTensor(shape: [count], dtype: .float32)
            let gradient = backend.makeTensor(shape: [count], dtype: .float32)
            backend.geluForward(output, input: singleInput, count: count)
            backend.geluBackward(gradient, outputGradient: backend.upload(outputGradient.map(Float.init), shape: [count]),
                                 input: singleInput, count: count)
            #expect(relativeError(values(output), values(forward)) < 1e-6, "\(instructionSet)")
            #expect(relativeError(values(gradient), values(backward)) < 1e-6, "\(instructionSet)")
        }
    }
}
