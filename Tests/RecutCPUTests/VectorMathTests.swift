import Foundation
import Testing
@testable import RecutCPU

/// The float32 polynomials of `VectorMath` against float64 libm, and at the edges.
@Suite struct VectorMathTests {
    /// Every 8th float32 in [-lower, upper], by a fixed step, eight lanes at a time.
    static func lanes(from lower: Float, to upper: Float, step: Float) -> [SIMD8<Float>] {
        stride(from: lower, to: upper, by: 8 * step).map { start in
            SIMD8((0..<8).map { start + Float($0) * step })
        }
    }

    @Test func exponentialsAreWithinTwoUlpsOfLibm() {
        var worst = 0.0
        for x in Self.lanes(from: -87.3, to: 88.72, step: 0.0013) {
            let y = fastExponentials(x)
            for lane in 0..<8 {
                let exact = exp(Double(x[lane]))
                worst = max(worst, abs(Double(y[lane]) - exact) / exact)
            }
        }
        #expect(worst < 2.5e-7)
    }

    @Test func exponentialsKeepTheEdges() {
        let x = SIMD8<Float>(-.infinity, -200, -100, 0, .infinity, 100, .nan, -0.0)
        let y = fastExponentials(x)
        #expect(y[0] == 0 && y[1] == 0 && y[3] == 1 && y[4] == .infinity && y[5] == .infinity)
        #expect(y[6].isNaN && y[7] == 1)
        // Subnormal results keep their absolute accuracy.
        #expect(abs(Double(y[2]) - exp(-100.0)) < 1e-45)
    }

    /// Abramowitz and Stegun bound the formula by 1.5e-7; float32 arithmetic adds a few ulps.
    @Test func errorFunctionsAreWithinAbramowitzAndStegunsBoundAndRounding() {
        var worst = 0.0
        for x in Self.lanes(from: -6, to: 6, step: 0.0007) {
            let y = fastErrorFunctions(x)
            for lane in 0..<8 { worst = max(worst, abs(Double(y[lane]) - erf(Double(x[lane])))) }
        }
        #expect(worst < 6e-7)
        let edges = fastErrorFunctions(SIMD8<Float>(-.infinity, .infinity, .nan, 0, -0.0, 30, -30, 1))
        #expect(edges[0] == -1 && edges[1] == 1 && edges[2].isNaN && abs(edges[3]) < 1e-9 && edges[5] == 1 && edges[6] == -1)
    }

    @Test func float64LanesUseLibm() {
        let x = SIMD8<Double>(-3, -1, -0.5, 0, 0.25, 1, 2, 700)
        let (e, f) = (Double.exponentials(x), Double.errorFunctions(x))
        for lane in 0..<8 { #expect(e[lane] == exp(x[lane]) && f[lane] == erf(x[lane])) }
    }
}
