import ArgumentParser
import Foundation
import RecutCore
import RecutCPU
import RecutCUDA
import RecutData

/// `recut bench loss`: forward and backward of one fused loss alone on random data, timed, as
/// one JSON line with the fields of ../shared/bench/loss_bench.py (the PyTorch peers) plus
/// the FLOP and byte rates achieved.
struct LossBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss",
        abstract: "Time the fused cce- or cce loss (forward and backward) on random hidden states and items.",
        discussion: """
            Hidden states have unit variance and the item table a tenth of that, as in loss_bench.py. \
            Three warm-up calls, then the median of 10 calls, each timed with the host clock after \
            synchronising the device (a call includes its two 8-byte read-backs: the target count and the \
            loss). peak_extra_MiB is the allocator's high-water mark minus the inputs (hidden states, \
            table, targets, negatives), so it counts dH and dE like PyTorch's .grad tensors. tflops counts \
            2 N K d per pass of logits (K = C for full), three passes (forward, dH, dE); gbps counts the \
            fewest bytes: every input read once, dH written, dE read and written.
            """)

    /// Which rows share a row of negatives, or the whole catalog.
    enum NegativesChoice: String, ExpressibleByArgument, CaseIterable {
        case perPosition = "per-position"
        case perSequence = "per-sequence"
        case perBatch = "per-batch"
        case full

        /// The method name of the JSON line.
        var method: String {
            switch self {
            case .perPosition: "recut_cce_perpos"
            case .perSequence: "recut_cce_perseq"
            case .perBatch: "recut_cce_perbatch"
            case .full: "recut_cce_full"
            }
        }
    }

    /// Gradient filtering on or off.
    enum Switch: String, ExpressibleByArgument, CaseIterable {
        case on
        case off
    }

    @Argument(help: "Rows N (positions).")
    var rows: Int

    @Argument(help: "Embedding width d.")
    var dimension: Int

    @Argument(help: "Catalog size C (item ids 1...C).")
    var items: Int

    @Argument(help: "Negatives K per position (ignored by full).")
    var negatives: Int

    @Option(name: .customLong("negatives"), help: "per-position, per-sequence, per-batch or full.")
    var negativesLayout: NegativesChoice = .perPosition

    @Option(help: "Operand precision: fp32, or bf16 (H, E and dH bfloat16; dE float32, as in mixed-precision training).")
    var precision: Precision = .float32

    @Option(help: "Gradient filtering (on or off).")
    var filtering: Switch = .on

    @Option(name: .customLong("len"), help: "Sequence length L for per-sequence negatives (N / L sequences).")
    var length = 200

    @Option(help: "The device (cuda or cpu); default: cuda when the driver loads, else cpu.")
    var device: DeviceChoice?

    static let timedCalls = 10

    func validate() throws {
        guard rows > 0, dimension > 0, items > 1, negatives > 0, length > 0 else {
            throw ValidationError("N, d, K and --len must be positive and C at least 2")
        }
        if negativesLayout == .perSequence, rows % length != 0 {
            throw ValidationError("per-sequence negatives need N (\(rows)) divisible by --len (\(length))")
        }
    }

    func run() throws {
        guard let backend = try DeviceChoice.makeBackend(device) as? any FusedLossBackend else {
            throw ValidationError("the chosen device does not run the fused losses")
        }
        let cuda = backend as? CUDABackend
        try cuda?.loadAllKernels()
        var generator = SplitMix64(seed: 0)
        // Uniform values with the variance of loss_bench.py's randn (H) and 0.1 * randn (E).
        func uniform(_ count: Int, standardDeviation: Double) -> [Float] {
            let half = standardDeviation * 3.0.squareRoot()
            return (0..<count).map { _ in Float((generator.nextUnit() * 2 - 1) * half) }
        }
        func randomItems(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(1 + generator.next(below: items)) } }
        let operandDType: DType = precision == .bfloat16 ? .bfloat16 : .float32
        func operand(_ values: [Float], _ shape: [Int]) -> Tensor {
            let tensor = backend.makeTensor(shape: shape, dtype: operandDType)
            backend.write(values, into: tensor)
            return tensor
        }
        let hidden = operand(uniform(rows * dimension, standardDeviation: 1), [rows, dimension])
        let table = operand(uniform((items + 1) * dimension, standardDeviation: 0.1), [items + 1, dimension])
        let targets = backend.upload(randomItems(rows), shape: [rows])
        let loss: any TrainingLoss, sampled: SampledNegatives?, idCount: Int
        switch negativesLayout {
        case .full:
            loss = FusedCrossEntropyLoss(backend: backend, gradientFiltering: filtering == .on)
            (sampled, idCount) = (nil, 0)
        case .perPosition, .perSequence, .perBatch:
            loss = FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: filtering == .on)
            let shape: [Int], granularity: SampledNegatives.Granularity
            switch negativesLayout {
            case .perPosition: (shape, granularity) = ([rows, negatives], .perPosition)
            case .perSequence: (shape, granularity) = ([rows / length, negatives], .perSequence)
            default: (shape, granularity) = ([negatives], .perBatch)
            }
            idCount = shape.reduce(1, *)
            sampled = SampledNegatives(ids: backend.upload(randomItems(idCount), shape: shape), granularity: granularity)
        }
        try cuda?.synchronize()
        cuda?.allocator.resetPeak()
        let inputBytes = cuda?.allocator.statistics.bytesInUse ?? 0
        let hiddenGradient = backend.makeTensor(shape: [rows, dimension], dtype: operandDType)
        let tableGradient = backend.makeTensor(shape: [items + 1, dimension], dtype: .float32)

        let clock = ContinuousClock()
        var times: [Double] = [], lastLoss = 0.0
        for call in 0..<(3 + Self.timedCalls) {
            try cuda?.synchronize()
            let start = clock.now
            lastLoss = loss.forwardBackward(hidden: hidden, itemTable: table, hiddenGradient: hiddenGradient,
                                            itemTableGradient: tableGradient, targets: targets, negatives: sampled,
                                            positions: rows)
            try cuda?.synchronize()
            if call >= 3 { times.append(milliseconds(clock.now - start)) }
        }
        let median = times.sorted()[times.count / 2]
        let columns = negativesLayout == .full ? items : negatives
        let flops = 3 * 2 * Double(rows) * Double(columns) * Double(dimension)
        // E read twice and dE (float32) read and written once; H read twice and dH written.
        let operandBytes = Double(operandDType.byteSize)
        let tableElements = Double((items + 1) * dimension)
        let bytes = Double(rows * dimension) * operandBytes * 3 + tableElements * (operandBytes * 2 + 8)
            + Double(rows * 4) + Double(idCount * 4)
        var fields: [(String, String)] = [
            ("method", "\"\(negativesLayout.method)\""), ("N", "\(rows)"), ("D", "\(dimension)"), ("C", "\(items)"),
            ("K", negativesLayout == .full ? "null" : "\(negatives)"), ("dtype", "\"\(precision)\""),
            ("ms_median", String(format: "%.3f", median)),
        ]
        if let cuda {
            let peak = cuda.allocator.statistics.peakBytesInUse - inputBytes
            let gradientBytes = hiddenGradient.count * operandDType.byteSize + tableGradient.count * 4
            fields += [("peak_extra_MiB", String(format: "%.1f", Double(peak) / Double(1 << 20))),
                       ("gradients_MiB", String(format: "%.1f", Double(gradientBytes) / Double(1 << 20)))]
        }
        fields += [
            ("tflops", String(format: "%.2f", flops / (median / 1000) / 1e12)),
            ("gbps", String(format: "%.1f", bytes / (median / 1000) / 1e9)),
            ("filtering", "\"\(filtering.rawValue)\""), ("loss_value", String(format: "%.4f", lastLoss)),
            ("device", "\"\(cuda?.driver.deviceName ?? backend.name)\""),
        ]
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }

    private func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18) * 1000
    }
}
