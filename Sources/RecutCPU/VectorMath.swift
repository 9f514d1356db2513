/// e^x and erf(x) eight lanes at a time, for the element-wise loops that spend most of their
/// time in them (the full softmax, GELU).
///
/// Float32 uses polynomials in plain multiplies and adds (Swift compiles for the baseline
/// x86-64, without FMA, where libm's scalar calls dominated the profile); float64, the
/// reference precision of the checks, calls libm lane by lane.
extension CPUScalar {
    @inline(__always)
    static func exponentials(_ x: SIMD8<Self>) -> SIMD8<Self> {
        if Self.self == Float.self { return unsafeBitCast(fastExponentials(unsafeBitCast(x, to: SIMD8<Float>.self)), to: SIMD8<Self>.self) }
        var result = x
        for lane in 0..<8 { result[lane] = exponential(x[lane]) }
        return result
    }

    @inline(__always)
    static func errorFunctions(_ x: SIMD8<Self>) -> SIMD8<Self> {
        if Self.self == Float.self { return unsafeBitCast(fastErrorFunctions(unsafeBitCast(x, to: SIMD8<Float>.self)), to: SIMD8<Self>.self) }
        var result = x
        for lane in 0..<8 { result[lane] = errorFunction(x[lane]) }
        return result
    }
}

/// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, e^r by Cephes's expf
/// polynomial (about 1 ulp); 2^n applied in two halves so that each is a normal float, down to
/// the subnormals; 0 below -104, infinity above 88.72, NaN stays NaN.
@inline(__always)
func fastExponentials(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -104), upperBound: SIMD8(repeating: 88.72))
    // Adding 1.5 * 2^23 rounds to an integer, which then sits in the low bits of the float.
    let magic: Float = 12_582_912
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: SIMD8<Float> = SIMD8(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 0.166_666_655
    p = p * r + 0.500_000_01
    p = p * (r * r) + r + 1
    let powerOfTwo = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(SIMD8<Float>(repeating: magic), to: SIMD8<Int32>.self)
    let half = powerOfTwo &>> 1
    func scale(_ exponent: SIMD8<Int32>) -> SIMD8<Float> { unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self) }
    var result = p * scale(half) * scale(powerOfTwo &- half)
    result.replace(with: 0, where: x .< -104)
    result.replace(with: .infinity, where: x .> 88.72)
    result.replace(with: .nan, where: x .!= x)
    return result
}

/// erf(x) by Abramowitz and Stegun's 7.1.26 (absolute error below 1.5e-7, as PyTorch's
/// vectorised CPU erf): 1 - t (a1 + t (a2 + ...)) e^(-x^2) with t = 1 / (1 + p |x|).
@inline(__always)
func fastErrorFunctions(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let magnitude = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.327_591_1 * magnitude)
    var p: SIMD8<Float> = SIMD8(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let y = 1 - p * t * fastExponentials(-magnitude * magnitude)
    return y.replacing(with: -y, where: x .< 0)
}

/// Eight elements of a buffer at any offset; past `end`, `padding` is read and nothing is written.
extension UnsafeMutablePointer where Pointee: SIMDScalar {
    @inline(__always)
    func vector(at index: Int, end: Int, padding: Pointee) -> SIMD8<Pointee> {
        if index + 8 <= end { return UnsafeRawPointer(self + index).loadUnaligned(as: SIMD8<Pointee>.self) }
        var lanes = SIMD8<Pointee>(repeating: padding)
        for lane in 0..<max(0, end - index) { lanes[lane] = self[index + lane] }
        return lanes
    }

    @inline(__always)
    func store(_ lanes: SIMD8<Pointee>, at index: Int, end: Int) {
        if index + 8 <= end { return UnsafeMutableRawPointer(self + index).storeBytes(of: lanes, as: SIMD8<Pointee>.self) }
        for lane in 0..<max(0, end - index) { self[index + lane] = lanes[lane] }
    }
}
