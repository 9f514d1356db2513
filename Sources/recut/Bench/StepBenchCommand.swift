import ArgumentParser
import Foundation
import RecutCore
import RecutCPU
import RecutCUDA
import RecutData

/// `recut bench step`: one whole SASRec training step (forward, loss, backward, AdamW) on
/// random data, timed, as one JSON line.
///
/// The shapes, data and fields mirror ../shared/bench/sasrec_bench.py (the PyTorch
/// reference) so that both can be tabled side by side; `ms_loss` and `ms_rest` split the step.
struct StepBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Time SASRec training steps on random ids, targets and negatives.",
        discussion: """
            Three warm-up steps, then the median of --steps timed steps. Each step is timed with the \
            host clock after synchronising the device, and so is the loss (forward and backward) inside it. \
            peak_GiB is the allocator's high-water mark of bytes in use after the warm-up and resident_GiB the \
            bytes still in use after the last step; on CUDA, driver_GiB is the device memory the process took \
            from the driver (cuMemGetInfo before and after). On the CPU the peak also counts the float32 copies \
            that widen bfloat16 operands, which the GPU does not make.
            """)

    /// The loss variants of the reference script, and Recut's fused versions of the first two.
    enum LossChoice: String, ExpressibleByArgument, CaseIterable {
        case ce
        case sampled = "ce-"
        case sampledShared = "ce-shared"
        case fused = "cce"
        case fusedSampled = "cce-"
    }

    @Option(help: "Catalog size C (item ids 1...C).")
    var items = 100_000

    @Option(help: "Sequences per batch.")
    var batch = 256

    @Option(name: .customLong("len"), help: "Sequence length L.")
    var length = 200

    @Option(name: .customLong("dim"), help: "Embedding width d.")
    var dimension = 64

    @Option(help: "Transformer blocks.")
    var blocks = 2

    @Option(help: "Attention heads.")
    var heads = 1

    @Option(help: "Loss: ce (full softmax), ce- (K negatives per position), ce-shared (K negatives per batch), or the fused cce / cce- (per position, drawn inside the passes as in training).")
    var loss: LossChoice = .sampled

    @Option(help: "Negatives K (ignored by ce).")
    var negatives = 1024

    @Option(help: "Timed steps (the median is reported).")
    var steps = 20

    @Option(help: "The device (cuda or cpu); default: cuda when the driver loads, else cpu.")
    var device: DeviceChoice?

    @Option(help: "Gradient filtering of the fused losses (on or off); default: training's (on for cce, off for cce-).")
    var filtering: LossBenchCommand.Switch?

    /// The filter setting the step runs with: the option, else training's default.
    var resolvedFiltering: LossBenchCommand.Switch {
        filtering ?? (GradientFilter.isOnByDefault(sampledNegatives: loss != .fused) ? .on : .off)
    }

    @Option(help: "Arithmetic: fp32 or bf16 (bfloat16 activations, float32 master weights); default: the device's preference.")
    var precision: Precision?

    func validate() throws {
        guard items > 0, batch > 0, length > 0, dimension > 0, blocks >= 0, heads > 0, negatives > 0, steps > 0 else {
            throw ValidationError("sizes, --negatives and --steps must be positive")
        }
        guard dimension % heads == 0 else { throw ValidationError("--dim \(dimension) is not divisible by --heads \(heads)") }
    }

    func run() throws {
        guard let backend = try DeviceChoice.makeBackend(device) as? any LossBackend else {
            throw ValidationError("the chosen device does not run the losses")
        }
        let cuda = backend as? CUDABackend
        try cuda?.loadAllKernels()
        let driverBefore = try cuda?.driver.memoryInfo()
        let synchronize = { () throws in try cuda?.synchronize() }

        let configuration = SASRecConfiguration(catalogSize: items, maxLength: length, dimension: dimension,
                                                blocks: blocks, heads: heads)
        let precision = precision ?? backend.preferredPrecision
        let model = SASRec(configuration: configuration, backend: backend, dtype: .float32, precision: precision,
                           maximumBatch: batch, seed: 0)
        // torch.optim.AdamW's defaults (weight decay 0.01) with the reference's learning rate.
        let optimizer = AdamW(configuration: AdamWConfiguration(learningRate: 1e-3, beta1: 0.9, beta2: 0.999,
                                                                epsilon: 1e-8, weightDecay: 0.01),
                              layout: model.layout, backend: backend, dtype: .float32)
        let positions = batch * length
        var generator = SplitMix64(seed: 1)
        func randomItems(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(1 + generator.next(below: items)) } }
        let ids = backend.upload(randomItems(positions), shape: [batch, length])
        let targets = backend.upload(randomItems(positions), shape: [positions])
        let trainingLoss: any TrainingLoss
        var sampled: SampledNegatives?
        var drawnBy: DeviceNegativeSampler?
        switch loss {
        case .ce:
            trainingLoss = CrossEntropyLoss(backend: backend)
        case .sampled:
            trainingLoss = SampledCrossEntropyLoss(backend: backend)
            sampled = SampledNegatives(ids: backend.upload(randomItems(positions * negatives), shape: [positions, negatives]),
                                       granularity: .perPosition)
        case .sampledShared:
            trainingLoss = SampledCrossEntropyLoss(backend: backend)
            sampled = SampledNegatives(ids: backend.upload(randomItems(negatives), shape: [negatives]), granularity: .perBatch)
        case .fused:
            guard let fusedBackend = backend as? any FusedLossBackend else { throw ValidationError("the device has no fused losses") }
            trainingLoss = FusedCrossEntropyLoss(backend: fusedBackend, gradientFiltering: resolvedFiltering == .on)
        case .fusedSampled:
            guard let fusedBackend = backend as? any FusedLossBackend else { throw ValidationError("the device has no fused losses") }
            trainingLoss = FusedSampledCrossEntropyLoss(backend: fusedBackend, gradientFiltering: resolvedFiltering == .on)
            // As training draws them: uniform, regenerated inside the passes (a new step each time below).
            drawnBy = DeviceNegativeSampler(try NegativeSampler(catalogSize: items, distribution: .uniform, seed: 2),
                                            on: backend)
        }
        let hiddenGradient = backend.makeTensor(shape: [positions, dimension], dtype: model.activationDType)

        let clock = ContinuousClock()
        var stepTimes: [Double] = [], lossTimes: [Double] = [], lastLoss = 0.0
        for step in 0..<(3 + steps) {
            if step == 3 {
                cuda?.allocator.resetPeak()
                (backend as? CPUBackend)?.memory.resetPeak()
            }
            try synchronize()
            let start = clock.now
            model.zeroGradients()
            let hidden = model.forward(ids: ids, batch: batch, length: length, seed: UInt64(step))
            try synchronize()
            let lossStart = clock.now
            if let drawnBy { sampled = SampledNegatives(drawnBy: drawnBy, step: step, count: negatives) }
            lastLoss = trainingLoss.forwardBackward(hidden: hidden, itemTable: model.lossItemTable,
                                                    hiddenGradient: hiddenGradient,
                                                    itemTableGradient: model.itemEmbeddingGradient,
                                                    targets: targets, negatives: sampled, positions: positions)
            try synchronize()
            let lossEnd = clock.now
            model.backward(outputGradient: hiddenGradient)
            optimizer.update(parameters: model.parameters, gradients: model.gradients)
            try synchronize()
            let end = clock.now
            if step >= 3 {
                stepTimes.append(milliseconds(end - start))
                lossTimes.append(milliseconds(lossEnd - lossStart))
            }
        }
        let stepMedian = median(stepTimes), lossMedian = median(lossTimes)
        var fields: [(String, String)] = [
            ("items", "\(items)"), ("batch", "\(batch)"), ("len", "\(length)"), ("dim", "\(dimension)"),
            ("blocks", "\(blocks)"), ("heads", "\(heads)"), ("loss", "\"\(loss.rawValue)\""),
            ("negatives", "\(negatives)"), ("steps", "\(steps)"),
            ("ms_step", rounded(stepMedian)), ("seq_per_s", rounded(Double(batch) / stepMedian * 1000, places: 1)),
            ("ms_loss", rounded(lossMedian)), ("ms_rest", rounded(stepMedian - lossMedian)),
            ("loss_value", rounded(lastLoss, places: 4)), ("filtering", "\"\(resolvedFiltering.rawValue)\""),
        ]
        if let cuda, let driverBefore {
            let statistics = cuda.allocator.statistics
            let driverAfter = try cuda.driver.memoryInfo()
            fields += [
                ("peak_GiB", rounded(Double(statistics.peakBytesInUse) / Double(1 << 30))),
                ("resident_GiB", rounded(Double(statistics.bytesInUse) / Double(1 << 30))),
                ("driver_GiB", rounded(Double(driverBefore.free - driverAfter.free) / Double(1 << 30))),
                ("device", "\"\(cuda.driver.deviceName)\""),
            ]
        } else if let cpu = backend as? CPUBackend {
            fields += [
                ("peak_GiB", rounded(Double(cpu.memory.peakBytesInUse) / Double(1 << 30))),
                ("resident_GiB", rounded(Double(cpu.memory.bytesInUse) / Double(1 << 30))),
                ("device", "\"\(backend.name)\""),
            ]
        } else {
            fields.append(("device", "\"\(backend.name)\""))
        }
        fields.append(("precision", "\"\(precision)\""))
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }

    private func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18) * 1000
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    private func rounded(_ value: Double, places: Int = 2) -> String { String(format: "%.\(places)f", value) }
}
