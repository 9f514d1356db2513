import Testing
import RecutCore
import RecutCPU

/// The step gate of `on-nonfinite = skip-step`: any NaN or infinity closes it, and a closed gate
/// leaves AdamW's parameters and moments and the loss sum untouched.
@Suite struct StepGateTests {
    static func gate(_ value: Float = 1) -> Tensor { backend.upload([value], shape: [1]) }
    static func isOpen(_ gate: Tensor) -> Bool { (backend.download(gate) as [Float])[0] == 1 }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func anyNonFiniteValueClosesTheGate(_ bad: Double) {
        for position in [0, 3, 6] {
            var values = [0.5, -2, 1e30, 0, 3, 1e-30, 7]
            values[position] = bad
            let doubles = Self.gate(), floats = Self.gate()
            backend.clearGateIfNonFinite(doubles, values: backend.upload(values, shape: [7]), count: 7)
            backend.clearGateIfNonFinite(floats, values: backend.upload(values.map(Float.init), shape: [7]), count: 7)
            #expect(!Self.isOpen(doubles) && !Self.isOpen(floats))
        }
        // Values past `count` are not looked at, and finite values leave a closed gate closed.
        let open = Self.gate()
        backend.clearGateIfNonFinite(open, values: backend.upload([1, 2, bad], shape: [3]), count: 2)
        #expect(Self.isOpen(open))
        let closed = Self.gate(0)
        backend.clearGateIfNonFinite(closed, values: backend.upload([1.0], shape: [1]), count: 1)
        #expect(!Self.isOpen(closed))
    }

    @Test func theLossJoinsTheSumOnlyThroughAnOpenGate() {
        let total = backend.upload([10.0], shape: [1]), skipped = backend.upload([0.0], shape: [1])
        backend.commitGated(backend.upload([2.5], shape: [1]), gate: Self.gate(), total: total, skipped: skipped)
        // A gate averaged over ranks (0.5) is as closed as 0.
        for closed: Float in [0, 0.5] {
            backend.commitGated(backend.upload([Double.nan], shape: [1]), gate: Self.gate(closed), total: total, skipped: skipped)
        }
        #expect(backend.download(total) == [12.5] && backend.download(skipped) == [2.0])
    }

    @Test func aClosedGateLeavesAdamWsStateAsItWas() {
        let step = AdamWStep(learningRate: 0.01, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1, step: 2)
        let start = [randomValues(5, seed: 1), randomValues(5, seed: 2), randomValues(5, seed: 3).map { $0 * $0 }]
        let gradients = backend.upload([0.1, .nan, 0.3, 0.4, 0.5], shape: [5])
        for gate in [Self.gate(0), Self.gate(0.5)] {
            let state = start.map { backend.upload($0, shape: [5]) }
            backend.adamW(parameters: state[0], gradients: gradients, firstMoment: state[1], secondMoment: state[2],
                          count: 5, step: step, gate: gate)
            #expect(state.map { backend.download($0) as [Double] } == start)
        }
        // An open gate updates as no gate does.
        let gated = start.map { backend.upload($0, shape: [5]) }, ungated = start.map { backend.upload($0, shape: [5]) }
        let finite = backend.upload([0.1, 0.2, 0.3, 0.4, 0.5], shape: [5])
        backend.adamW(parameters: gated[0], gradients: finite, firstMoment: gated[1], secondMoment: gated[2],
                      count: 5, step: step, gate: Self.gate())
        backend.adamW(parameters: ungated[0], gradients: finite, firstMoment: ungated[1], secondMoment: ungated[2],
                      count: 5, step: step)
        #expect(gated.map { backend.download($0) as [Double] } == ungated.map { backend.download($0) as [Double] })
        #expect(backend.download(gated[0]) as [Double] != start[0])
    }
}
