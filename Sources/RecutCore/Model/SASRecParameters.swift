import Foundation

/// The parameter tensors of one transformer block, as views into a flat buffer.
///
/// The same type holds the parameters and, over the gradient buffer, their gradients.
struct BlockTensors {
    var inProjectionWeight: Tensor
    var inProjectionBias: Tensor
    var outProjectionWeight: Tensor
    var outProjectionBias: Tensor
    var norm1Weight: Tensor
    var norm1Bias: Tensor
    var linear1Weight: Tensor
    var linear1Bias: Tensor
    var linear2Weight: Tensor
    var linear2Bias: Tensor
    var norm2Weight: Tensor
    var norm2Bias: Tensor
}

/// The names of SASRec's parameters (PyTorch `state_dict` keys of the reference model,
/// with the encoder's `layers.` shortened to `blocks.`).
enum SASRecParameterName {
    static let itemEmbedding = "item_embedding.weight"
    static let positionEmbedding = "position_embedding.weight"
    static let finalNormWeight = "final_norm.weight"
    static let finalNormBias = "final_norm.bias"

    static func block(_ index: Int, _ suffix: String) -> String { "blocks.\(index).\(suffix)" }
}

extension SASRecConfiguration {
    /// The flat-buffer layout of this model's parameters.
    public var parameterLayout: ParameterLayout {
        let d = dimension, f = feedForwardDimension
        var layout = ParameterLayout()
        layout.append(name: SASRecParameterName.itemEmbedding, shape: [catalogSize + 1, d], decays: true)
        layout.append(name: SASRecParameterName.positionEmbedding, shape: [maxLength, d], decays: true)
        for b in 0..<blocks {
            func add(_ suffix: String, _ shape: [Int], decays: Bool) {
                layout.append(name: SASRecParameterName.block(b, suffix), shape: shape, decays: decays)
            }
            add("attention.in_proj_weight", [3 * d, d], decays: true)
            add("attention.in_proj_bias", [3 * d], decays: false)
            add("attention.out_proj.weight", [d, d], decays: true)
            add("attention.out_proj.bias", [d], decays: false)
            add("norm1.weight", [d], decays: false)
            add("norm1.bias", [d], decays: false)
            add("linear1.weight", [f, d], decays: true)
            add("linear1.bias", [f], decays: false)
            add("linear2.weight", [d, f], decays: true)
            add("linear2.bias", [d], decays: false)
            add("norm2.weight", [d], decays: false)
            add("norm2.bias", [d], decays: false)
        }
        layout.append(name: SASRecParameterName.finalNormWeight, shape: [d], decays: false)
        layout.append(name: SASRecParameterName.finalNormBias, shape: [d], decays: false)
        return layout
    }

    /// Initial parameter values, laid out by `parameterLayout`, drawn like the reference model.
    ///
    /// Tables N(0, std); the padding row is drawn too and then never trained, as the
    /// reference's re-initialised `nn.Embedding(padding_idx=0)` is (zero in the N(0, 1) mode,
    /// as PyTorch's own initialisation leaves it); `in_proj_weight` Xavier-uniform;
    /// other linear weights and the feed-forward biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    /// (PyTorch's Linear default); attention biases 0; layer norms weight 1, bias 0. As in
    /// PyTorch's `TransformerEncoder`, which deep-copies one layer, every block starts
    /// with the same values.
    public func initialParameters(seed: UInt64) -> [Double] {
        let layout = parameterLayout
        var values = [Double](repeating: 0, count: layout.totalCount)
        var generator = SplitMix64(seed: seed)
        func fill(_ name: String, _ draw: (inout SplitMix64) -> Double) {
            let entry = layout.entry(named: name)!
            for i in entry.offset..<(entry.offset + entry.count) { values[i] = draw(&generator) }
        }
        func uniform(bound: Double) -> (inout SplitMix64) -> Double {
            { (2 * $0.nextUnit() - 1) * bound }
        }
        let tableDeviation = initialStandardDeviation > 0 ? initialStandardDeviation : 1
        fill(SASRecParameterName.itemEmbedding) { tableDeviation * $0.nextNormal() }
        if initialStandardDeviation == 0 {
            let item = layout.entry(named: SASRecParameterName.itemEmbedding)!
            for i in item.offset..<(item.offset + dimension) { values[i] = 0 }
        }
        fill(SASRecParameterName.positionEmbedding) { tableDeviation * $0.nextNormal() }

        let d = Double(dimension), f = Double(feedForwardDimension)
        if blocks > 0 {
            fill(SASRecParameterName.block(0, "attention.in_proj_weight"), uniform(bound: (6 / (d + 3 * d)).squareRoot()))
            fill(SASRecParameterName.block(0, "attention.out_proj.weight"), uniform(bound: 1 / d.squareRoot()))
            fill(SASRecParameterName.block(0, "norm1.weight")) { _ in 1 }
            fill(SASRecParameterName.block(0, "linear1.weight"), uniform(bound: 1 / d.squareRoot()))
            fill(SASRecParameterName.block(0, "linear1.bias"), uniform(bound: 1 / d.squareRoot()))
            fill(SASRecParameterName.block(0, "linear2.weight"), uniform(bound: 1 / f.squareRoot()))
            fill(SASRecParameterName.block(0, "linear2.bias"), uniform(bound: 1 / f.squareRoot()))
            fill(SASRecParameterName.block(0, "norm2.weight")) { _ in 1 }
            let first = layout.entries.firstIndex { $0.name.hasPrefix("blocks.0.") }!
            let perBlock = layout.entries.filter { $0.name.hasPrefix("blocks.0.") }.count
            for b in 1..<blocks {
                for k in 0..<perBlock {
                    let source = layout.entries[first + k], target = layout.entries[first + b * perBlock + k]
                    for i in 0..<source.count { values[target.offset + i] = values[source.offset + i] }
                }
            }
        }
        fill(SASRecParameterName.finalNormWeight) { _ in 1 }
        return values
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box-Muller on two uniform draws).
    mutating func nextNormal() -> Double {
        let u = 1 - nextUnit(), v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
