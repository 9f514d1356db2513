import Foundation
import RecutCore
import RecutCPU

/// Which loss a fixture runs, with its parameters.
enum LossKind: CustomStringConvertible {
    case crossEntropy
    case sampledCrossEntropy
    case binaryCrossEntropy
    case generalizedBinaryCrossEntropy(calibration: Double)

    var description: String {
        switch self {
        case .crossEntropy: "ce"
        case .sampledCrossEntropy: "ce-"
        case .binaryCrossEntropy: "bce"
        case .generalizedBinaryCrossEntropy(let t): "gbce(t=\(t))"
        }
    }

    /// A fresh loss object on the shared CPU backend.
    func makeLoss() -> any TrainingLoss {
        switch self {
        case .crossEntropy: CrossEntropyLoss(backend: backend)
        case .sampledCrossEntropy: SampledCrossEntropyLoss(backend: backend)
        case .binaryCrossEntropy: BinaryCrossEntropyLoss(backend: backend)
        case .generalizedBinaryCrossEntropy(let t): GeneralizedBinaryCrossEntropyLoss(backend: backend, calibration: t)
        }
    }
}

/// Which log-q correction a fixture passes to `ce-`.
enum LogQMode: CaseIterable, CustomStringConvertible {
    case none, perItem, perNegative
    var description: String { "\(self == .none ? "no" : self == .perItem ? "per-item" : "per-negative") log q" }
}

/// Random host inputs of one loss call (B sequences of L positions, left padding,
/// collisions and empty negative slots), with a naive float64 loss to check against.
struct LossFixture {
    let sequences: Int, length: Int, dimension: Int, itemCount: Int, negativesPerPosition: Int
    var hidden: [Double]
    var itemTable: [Double]
    var targets: [Int32]
    var granularity: SampledNegatives.Granularity
    var negativeIDs: [Int32]
    var logQMode: LogQMode
    /// log q per item [C + 1] (a normalised distribution over 1...C).
    var logQPerItem: [Double]
    /// log q per negative slot, same count as `negativeIDs`.
    var logQPerNegative: [Double]

    var positions: Int { sequences * length }

    /// Shape of the negative ids for the granularity.
    var negativeShape: [Int] {
        switch granularity {
        case .perPosition: [positions, negativesPerPosition]
        case .perSequence: [sequences, negativesPerPosition]
        case .perBatch: [negativesPerPosition]
        }
    }

    init(seed: UInt64, granularity: SampledNegatives.Granularity = .perPosition, logQ: LogQMode = .none,
         sequences: Int = 2, length: Int = 4, dimension: Int = 4, itemCount: Int = 7, negatives: Int = 3) {
        self.sequences = sequences
        self.length = length
        self.dimension = dimension
        self.itemCount = itemCount
        self.negativesPerPosition = negatives
        self.granularity = granularity
        self.logQMode = logQ
        var generator = SplitMix64(seed: seed)
        let n = sequences * length
        hidden = randomValues(n * dimension, seed: seed &+ 1)
        itemTable = randomValues((itemCount + 1) * dimension, seed: seed &+ 2)
        targets = (0..<n).map { _ in Int32(1 + generator.next(below: itemCount)) }
        // Left padding: the first positions of each sequence are padding, more in the first.
        for b in 0..<sequences {
            for p in 0..<min(length - 1, sequences - b + 1) { targets[b * length + p] = 0 }
        }
        let rows = granularity == .perPosition ? n : granularity == .perSequence ? sequences : 1
        negativeIDs = (0..<(rows * negatives)).map { _ in Int32(1 + generator.next(below: itemCount)) }
        // Collisions with the target of the first non-padding position of each negative row,
        // and one empty slot.
        for row in 0..<rows {
            let position = granularity == .perPosition ? row : granularity == .perSequence ? row * length + length - 1 : n - 1
            negativeIDs[row * negatives + row % negatives] = targets[position]
        }
        negativeIDs[negativeIDs.count - 1] = 0
        let weights = (0...itemCount).map { _ in 0.1 + generator.nextUnit() }
        let total = weights.dropFirst().reduce(0, +)
        logQPerItem = weights.map { log($0 / total) }
        logQPerNegative = (0..<negativeIDs.count).map { _ in log(0.05 + 0.5 * generator.nextUnit()) }
    }

    /// The shift log K + log q subtracted from a negative logit in `ce-`.
    func logQShift(slot: Int, id: Int32) -> Double {
        let logK = log(Double(negativesPerPosition))
        switch logQMode {
        case .none: return 0
        case .perItem: return logK + logQPerItem[Int(id)]
        case .perNegative: return logK + logQPerNegative[slot]
        }
    }

    /// The first slot of position n's negative ids.
    func firstSlot(ofPosition n: Int) -> Int {
        switch granularity {
        case .perPosition: n * negativesPerPosition
        case .perSequence: (n / length) * negativesPerPosition
        case .perBatch: 0
        }
    }

    /// The loss in plain float64 loops, straight from the formulas.
    func naiveLoss(_ kind: LossKind, hidden: [Double], itemTable: [Double]) -> Double {
        let d = dimension, k = negativesPerPosition
        func score(_ n: Int, _ id: Int32) -> Double {
            (0..<d).reduce(0) { $0 + hidden[n * d + $1] * itemTable[Int(id) * d + $1] }
        }
        func logSumExp(_ values: [Double]) -> Double {
            let maximum = values.max()!
            return maximum + log(values.reduce(0) { $0 + exp($1 - maximum) })
        }
        func softplus(_ x: Double) -> Double { log(1 + exp(x)) }
        var total = 0.0, count = 0
        for n in 0..<positions where targets[n] != 0 {
            let target = targets[n]
            count += 1
            let slots = (0..<k).map { firstSlot(ofPosition: n) + $0 }
                .filter { negativeIDs[$0] != 0 && negativeIDs[$0] != target }
            switch kind {
            case .crossEntropy:
                total += logSumExp((1...itemCount).map { score(n, Int32($0)) }) - score(n, target)
            case .sampledCrossEntropy:
                let negatives = slots.map { score(n, negativeIDs[$0]) - logQShift(slot: $0, id: negativeIDs[$0]) }
                total += logSumExp([score(n, target)] + negatives) - score(n, target)
            case .binaryCrossEntropy, .generalizedBinaryCrossEntropy:
                var beta = 1.0
                if case .generalizedBinaryCrossEntropy(let t) = kind {
                    let alpha = Double(k) / Double(itemCount - 1)
                    beta = alpha * (t * (1 - 1 / alpha) + 1 / alpha)
                }
                total += beta * softplus(-score(n, target)) + slots.reduce(0) { $0 + softplus(score(n, negativeIDs[$1])) }
            }
        }
        return count == 0 ? 0 : total / Double(count)
    }

    /// The loss, dH and the accumulated dE from the CPU backend in `dtype`; dH starts as
    /// garbage (it must be overwritten) and dE as `itemTableGradientStart` (it must be added to).
    func run(_ loss: any TrainingLoss, dtype: DType, itemTableGradientStart: [Double])
        -> (loss: Double, hiddenGradient: [Double], itemTableGradient: [Double]) {
        let d = dimension
        func upload(_ values: [Double], _ shape: [Int]) -> Tensor {
            dtype == .float64 ? backend.upload(values, shape: shape) : backend.upload(values.map(Float.init), shape: shape)
        }
        let hiddenTensor = upload(hidden, [positions, d])
        let tableTensor = upload(itemTable, [itemCount + 1, d])
        let hiddenGradient = upload([Double](repeating: 7, count: positions * d), [positions, d])
        let tableGradient = upload(itemTableGradientStart, [itemCount + 1, d])
        let logQ: LogQCorrection? = switch logQMode {
        case .none: nil
        case .perItem: .perItem(upload(logQPerItem, [itemCount + 1]))
        case .perNegative: .perNegative(upload(logQPerNegative, negativeShape))
        }
        let negatives = SampledNegatives(ids: backend.upload(negativeIDs, shape: negativeShape),
                                         granularity: granularity, logQ: logQ)
        let value = loss.forwardBackward(hidden: hiddenTensor, itemTable: tableTensor,
                                         hiddenGradient: hiddenGradient, itemTableGradient: tableGradient,
                                         targets: backend.upload(targets, shape: [positions]),
                                         negatives: negatives, positions: positions)
        return (value, values(hiddenGradient), values(tableGradient))
    }
}
