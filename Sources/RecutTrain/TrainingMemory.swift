import Foundation
import RecutCore

/// The memory a training run allocates on its backend at the least, by part, so that a run
/// that cannot fit is refused with the numbers before anything is allocated (rather than
/// dying in the allocator).
///
/// Only the large buffers that certainly exist are counted, in Double so that absurd sizes
/// cannot overflow: the parameters with their gradients, AdamW moments and low-precision
/// copy; the activations SASRec keeps for the backward pass; the loss's [N, K] or [N, C]
/// buffers and stored negative ids. Scratch, evaluation tiles and allocator rounding come on
/// top, so a run estimated to fit may still not.
struct TrainingMemory: Equatable {
    /// Parameters, gradients, AdamW moments and the bf16 compute copy (bytes).
    var parameters: Double
    /// SASRec's activations for a batch (bytes).
    var activations: Double
    /// The loss's buffers and the step's stored negative ids (bytes).
    var loss: Double

    /// Everything counted (bytes).
    var total: Double { parameters + activations + loss }

    /// The estimate for `config` (resolved) over `catalogSize` items on `backend`, in `precision`.
    init(config: TrainingConfig, catalogSize: Int, backend: any Backend, precision: Precision) {
        let model = config.modelConfiguration(catalogSize: catalogSize)
        let mixed = precision == .bfloat16
        let activationBytes = mixed ? 2.0 : 4.0
        let count = Double(model.parameterLayout.totalCount)
        parameters = count * 16 + (mixed ? count * 2 : 0)
        let batch = Double(config.batchSize), length = Double(config.resolvedMaxLength), d = Double(model.dimension)
        let f = Double(model.feedForwardDimension), positions = batch * length, blocks = Double(model.blocks)
        // Per block: norm1, qkv, attention, norm2, hidden, activated (activation dtype), middle (float32),
        // the attention's saved state (float32); the residual streams, output and input gradient besides.
        let savedAttention = Self.attentionSaved(backend, batch: config.batchSize, length: config.resolvedMaxLength,
                                                 heads: model.heads, dimension: model.dimension)
        let perBlock = positions * (d * 6 + 2 * f) * activationBytes + positions * d * 4 + savedAttention * 4
        activations = blocks * perBlock + (blocks + 1) * positions * d * 4 + 2 * positions * d * activationBytes
        let negatives = Double(config.negatives), classes = Double(catalogSize + 1)
        let groups: Double = switch config.negativeGranularity {
        case .perPosition: positions
        case .perSequence: batch
        case .perBatch: 1
        }
        let storedIDs = groups * negatives * 4
        loss = switch config.loss {
        case .crossEntropy: positions * classes * activationBytes
        case .fusedCrossEntropy: 0
        case .sampledCrossEntropy, .binaryCrossEntropy, .generalizedBinaryCrossEntropy:
            positions * negatives * activationBytes + storedIDs
        case .fusedSampledCrossEntropy:
            config.negativeGranularity == .perPosition && config.collisions != .resample ? 0 : storedIDs
        }
    }

    /// The attention's saved elements, in Double: the backend's count where it fits an Int.
    private static func attentionSaved(_ backend: any Backend, batch: Int, length: Int, heads: Int,
                                       dimension: Int) -> Double {
        let square = Double(batch) * Double(heads) * Double(length) * Double(length)
        guard square < Double(Int.max / 4) else { return square }
        return Double(backend.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension))
    }

    /// Throws `TrainError.doesNotFit` when the estimate exceeds the backend's free memory.
    func check(on backend: any Backend) throws(TrainError) {
        let available = backend.freeMemoryBytes
        guard total > Double(available) else { return }
        throw .doesNotFit(device: backend.name, needed: total, available: available,
                          parts: [("parameters and optimizer state", parameters), ("activations", activations),
                                  ("loss and negatives", loss)].map { "\($0.0) \(Self.formatted($0.1))" })
    }

    /// Bytes in the largest unit that keeps the number at least 1 ("1.5 GB").
    static func formatted(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB"]
        var value = bytes, unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
