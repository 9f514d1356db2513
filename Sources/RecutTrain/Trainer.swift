import Foundation
import RecutCore
import RecutData

/// Trains SASRec on one split: epochs of shuffled batches, the configured loss, AdamW with
/// the learning-rate schedule, validation after each epoch, early stopping, checkpoints,
/// and at the end the test metrics of the best epoch beside the popularity baseline.
///
/// Every random choice is a pure function of (seed, epoch, step): the shuffle of epoch e,
/// the negatives and the dropout masks of step s. So a run stopped anywhere and resumed from
/// its last checkpoint ends with exactly the weights of an uninterrupted run.
public final class Trainer {
    /// The settings, every automatic one resolved.
    public let config: TrainingConfig
    /// The dataset (for the external item ids of checkpoints).
    public let dataset: Dataset
    /// The split trained and evaluated on.
    public let split: DataSplit
    /// The model being trained.
    public let model: SASRec
    /// Where checkpoints and the metrics log go; nil keeps nothing on disk.
    public let store: CheckpointStore?
    /// Called after every optimizer step with the number of steps taken; a throw stops the
    /// run there (tests use it to simulate a crash).
    public var afterStep: ((Int) throws -> Void)?
    /// Where progress reports go; nil is silent.
    public var progressOutput: ((String) -> Void)?
    /// Whether `progressOutput` is a terminal, which gets a redrawn bar instead of log lines.
    public var progressIsTerminal = false
    /// Receives a line per epoch and status messages.
    public var log: (String) -> Void = { _ in }
    /// Whether the next step's batch and negatives are prepared on a background thread while
    /// the current step computes; the weights are the same either way.
    public var prefetchesSteps = true
    /// Whether a fresh run may replace the run its folder holds (its checkpoints, metrics log
    /// and results are removed first); otherwise a folder that holds any file is refused.
    public var replacesExistingRun = false
    /// Asked between steps: a signal number stops the run there, after saving `last/`
    /// (`TrainError.interrupted`); nil continues.
    public var stopRequest: (() -> Int32?)?

    private let backend: any LossBackend
    private let optimizer: AdamW
    private let loss: any TrainingLoss
    private let batcher: TrainingBatcher
    private let parallelism: DataParallelism
    private let sampling: NegativeSampling?
    /// The step's negative ids, drawn on the backend after the step's targets arrive; nil when
    /// the loss regenerates them.
    private let negativeIDs: Tensor?
    private let prefetcher: StepPrefetcher
    private let schedule: LearningRateSchedule
    private let ranking: ModelRanking
    private var buffers: StepBuffers
    /// The next step's inputs when their ids are already on their way to `buffers[stagedSet]`.
    private var stagedInputs: StepInputs?
    private var stagedSet = 0
    private let hiddenGradient: Tensor
    /// The sum of this epoch's batch mean losses (float64, on the backend), read only for
    /// progress lines, checkpoints and the epoch's report, so that steps never wait for it.
    private let epochLossSum: Tensor
    /// `epochLossSum` after each batch of the epoch (slot = batch index), copied on the backend,
    /// so that a non-finite sum seen later names the first step that made it so.
    private let epochLossHistory: Tensor
    /// Skips steps whose loss or gradients are not finite; nil stops the run at such a step.
    private let stepGate: StepGate?
    /// The step `last/` was saved at by this process or the run it resumes; nil before any save.
    private var lastSavedStep: Int?
    private var state: TrainerState
    private var bestWeights: [NamedTensor]?
    /// The data this run trains on, recorded in every checkpoint.
    private let dataRecord: DataRecord
    /// Whether this process has logged the time to its first step (which waits for that step once).
    private var reportedFirstStep = false

    /// Prepares a fresh run of `config` on `split` of `dataset`, computing on `backend`, as one
    /// rank of `parallelism` (which only rank 0 writes `store` in).
    public init(config: TrainingConfig, dataset: Dataset, split: DataSplit, backend: any LossBackend,
                store: CheckpointStore?, parallelism: DataParallelism = .single) throws {
        let config = config.resolved()
        try config.validate(source: "settings")
        self.config = config
        self.dataset = dataset
        self.split = split
        self.backend = backend
        self.store = store
        self.parallelism = parallelism
        dataRecord = DataRecord(path: DataRecord.absolutePath(config.data), dataset: dataset)
        let catalogSize = dataset.itemCount
        let length = config.resolvedMaxLength, batchSize = config.batchSize
        let seed = UInt64(config.seed)
        try TrainingMemory(config: config, catalogSize: catalogSize, backend: backend,
                           precision: config.precision.resolved(on: backend)).check(on: backend)
        model = SASRec(configuration: config.modelConfiguration(catalogSize: catalogSize), backend: backend,
                       precision: config.precision.resolved(on: backend),
                       maximumBatch: batchSize, seed: Self.derivedSeed(seed, .initialization))
        optimizer = AdamW(configuration: config.optimizerConfiguration, layout: model.layout, backend: backend,
                          dtype: model.dtype)
        loss = try Self.makeLoss(config, backend: backend)
        batcher = TrainingBatcher(split: split, batchSize: batchSize, length: length, seed: seed)
        schedule = config.learningRateSchedule(
            totalSteps: batcher.batchCount(worldSize: parallelism.worldSize) * config.resolvedEpochs)
        ranking = ModelRanking(model: model)
        hiddenGradient = backend.makeTensor(shape: [batchSize * length, config.dimension], dtype: model.activationDType)
        epochLossSum = backend.makeTensor(shape: [1], dtype: .float64)
        epochLossHistory = backend.makeTensor(shape: [max(1, batcher.batchCount(worldSize: parallelism.worldSize))],
                                              dtype: .float64)
        stepGate = config.onNonFinite == .skipStep ? StepGate(backend: backend) : nil
        if loss.usesNegatives {
            let distribution: SamplingDistribution = config.sampler == .uniform
                ? .uniform : .popularity(in: split.train, catalogSize: catalogSize)
            let sampler = try NegativeSampler(catalogSize: catalogSize, distribution: distribution,
                                              seed: Self.derivedSeed(Self.rankSeed(seed, rank: parallelism.rank), .negatives))
            let logQ: LogQCorrection? = config.logQCorrection
                && [.sampledCrossEntropy, .fusedSampledCrossEntropy].contains(config.loss)
                ? .perItem(backend.upload(sampler.logProbabilities, shape: [catalogSize + 1])) : nil
            let sampling = NegativeSampling(sampler: DeviceNegativeSampler(sampler, on: backend), count: config.negatives,
                                            granularity: config.negativeGranularity, collisions: config.collisions,
                                            logQ: logQ, lossRegeneratesIDs: config.loss == .fusedSampledCrossEntropy)
            self.sampling = sampling
            let capacity = sampling.capacity(batchSize: batchSize, length: length)
            negativeIDs = capacity > 0 ? backend.makeTensor(shape: [capacity], dtype: .int32) : nil
        } else {
            sampling = nil
            negativeIDs = nil
        }
        prefetcher = StepPrefetcher()
        buffers = StepBuffers(backend: backend, positions: batchSize * length)
        state = TrainerState(epoch: 0, step: 0, bestMetric: nil, bestEpoch: 0, badEpochs: 0, seed: config.seed)
        try parallelism.broadcastParameters(model.parameters)
    }

    /// Continues the run whose last checkpoint is `checkpoint` (from `store.load(.last)`).
    ///
    /// The split must be the one the run trained on (the CLI rebuilds it from the saved
    /// settings); the item catalog is checked against the checkpoint's.
    public convenience init(resuming checkpoint: Checkpoint, dataset: Dataset, split: DataSplit,
                            backend: any LossBackend, store: CheckpointStore,
                            parallelism: DataParallelism = .single, allowDataChange: Bool = false) throws {
        try checkpoint.data?.check(dataset, checkpoint: store.folder(.last), allowChange: allowDataChange)
        guard let state = checkpoint.state else {
            throw TrainError.incompleteCheckpoint(directory: store.folder(.last), reason: "it holds no trainer state to resume from")
        }
        guard checkpoint.items == dataset.items.names else {
            throw TrainError.corrupt(file: store.folder(.last) + "/" + CheckpointStore.FileName.items,
                                     reason: "the data's items differ from the checkpoint's; resume with the same data and settings")
        }
        try self.init(config: checkpoint.config, dataset: dataset, split: split, backend: backend, store: store,
                      parallelism: parallelism)
        let folder = store.folder(.last)
        try model.loadWeights(checkpoint.tensors, file: folder + "/" + CheckpointStore.FileName.model)
        let stateFile = folder + "/" + CheckpointStore.FileName.trainerTensors
        try FlatBufferTensors.upload(state.tensors, into: optimizer.firstMoment, layout: model.layout, backend: backend,
                                     suffix: Self.firstMomentSuffix, file: stateFile)
        try FlatBufferTensors.upload(state.tensors, into: optimizer.secondMoment, layout: model.layout, backend: backend,
                                     suffix: Self.secondMomentSuffix, file: stateFile)
        optimizer.step = state.step
        self.state = state
        lastSavedStep = state.step
        self.state.tensors = []
        if state.bestMetric != nil {
            bestWeights = try store.load(.best).tensors
        }
    }

    /// Trains until the last epoch or early stopping, then evaluates the best epoch on the test cases.
    public func run() throws -> TrainingResult {
        let runLock = try writableStore.map { store throws(TrainError) in
            try makeFolder(store.directory)
            return try store.lockRun()
        }
        defer { runLock?.release() }
        let metricsLog = try writableStore.map { store throws(TrainError) in
            let resuming = lastSavedStep != nil
            if !resuming {
                let contents = try store.contents().filter { $0 != CheckpointStore.lockName }
                if !contents.isEmpty {
                    guard replacesExistingRun else { throw TrainError.runFolderNotEmpty(directory: store.directory, contents: contents) }
                    try store.removeRun()
                }
            }
            return try MetricsLog(path: store.directory + "/metrics.jsonl", resumingAt: resuming ? state.epoch : nil)
        }
        let tensorBoard = try writableStore.map { store throws(TrainError) in
            try TensorBoardLog(folder: store.directory + "/" + Self.tensorBoardFolder)
        }
        let epochs = config.resolvedEpochs
        // Derived from the saved state, so that a run killed after stopping early stays stopped.
        var stoppedEarly = state.badEpochs >= config.resolvedPatience
        while state.epoch < epochs && !stoppedEarly {
            let start = DispatchTime.now().uptimeNanoseconds
            let batches = batcher.batches(epoch: state.epoch, rank: parallelism.rank, worldSize: parallelism.worldSize)
            let progress = TrainingProgress(epoch: state.epoch, epochs: epochs, batches: batches.count - state.batchInEpoch,
                                            isTerminal: progressOutput != nil && progressIsTerminal,
                                            write: progressOutput ?? { _ in })
            backend.write([state.epochLossSum], into: epochLossSum)
            if let stepGate { backend.write([Double(state.skippedStepsInEpoch)], into: stepGate.skippedSteps) }
            backend.fill(epochLossHistory, with: 0)
            // Host time spent preparing and queuing steps: near `trainingSeconds`, the host bounds training.
            var queueSeconds = 0.0
            while state.batchInEpoch < batches.count {
                if let signal = stopRequest?() { try stop(signal: signal) }
                let queueStart = DispatchTime.now().uptimeNanoseconds
                let inputs = stepInputs(of: batches)
                let batch = inputs.batch
                try trainStep(inputs)
                backend.copy(epochLossHistory.view(offset: state.batchInEpoch, shape: [1]), from: epochLossSum)
                state.batchInEpoch += 1
                state.step += 1
                if prefetchesSteps && state.batchInEpoch < batches.count { stageNextStep(of: batches) }
                queueSeconds += Self.seconds(since: queueStart)
                if !reportedFirstStep {
                    reportedFirstStep = true
                    _ = try checkedEpochLossSum()
                    if let uptime = ProcessUptime.seconds() {
                        log(String(format: "first step done %.1fs after the start (loading, set-up and kernels included)", uptime))
                    }
                }
                var shownLossSum = 0.0
                progress.update(events: batch.targetCount) {
                    shownLossSum = readEpochLossSum()
                    return shownLossSum / Double(max(state.batchInEpoch, 1))
                }
                if !shownLossSum.isFinite { _ = try checkedEpochLossSum() }
                if let every = config.checkpointEvery, state.step % every == 0, state.batchInEpoch < batches.count {
                    state.epochLossSum = try checkedEpochLossSum()
                    state.skippedStepsInEpoch = stepGate?.readSkippedSteps(on: backend) ?? 0
                    try saveLast()
                }
                try afterStep?(state.step)
            }
            // Reading the loss waits for the queued steps, so the clock then holds their device time too.
            state.epochLossSum = try checkedEpochLossSum()
            let skippedSteps = stepGate?.readSkippedSteps(on: backend)
            if let skippedSteps, skippedSteps >= batches.count {
                throw diverged("the loss or a gradient of every step of the epoch", step: state.step)
            }
            let trainingSeconds = Self.seconds(since: start)
            let eventsPerSecond = progress.eventsPerSecond
            progress.finish()
            let validationStart = DispatchTime.now().uptimeNanoseconds
            let validation = try parallelism.merged(ranking.evaluate(
                split.validation.shard(rank: parallelism.rank, worldSize: parallelism.worldSize),
                ks: config.evaluationKs, maskInputItems: config.maskValidation))
            let validationSeconds = Self.seconds(since: validationStart)
            if parallelism.verifiesWeights {
                try parallelism.verifySameWeights(backend.download(model.parameters), epoch: state.epoch)
            }
            let metric = validation.ndcg(at: config.evaluationKs[0])
            if state.bestMetric.map({ metric > $0 }) ?? true {
                state.bestMetric = metric
                state.bestEpoch = state.epoch
                state.badEpochs = 0
                bestWeights = model.namedWeights()
                try checkFinite(bestWeights!)
                try writableStore?.save(.best, tensors: bestWeights!, config: config, items: dataset.items.names, state: nil,
                                       data: dataRecord)
            } else {
                state.badEpochs += 1
                stoppedEarly = state.badEpochs >= config.resolvedPatience
            }
            let seconds = Self.seconds(since: start)
            let epochMetrics = EpochMetrics(
                epoch: state.epoch, trainLoss: state.epochLossSum / Double(max(batches.count - (skippedSteps ?? 0), 1)),
                eventsPerSecond: eventsPerSecond, seconds: seconds, validation: validation.summary,
                trainingSeconds: trainingSeconds, validationSeconds: validationSeconds, queueSeconds: queueSeconds,
                skippedSteps: skippedSteps)
            try metricsLog?.write(epochMetrics)
            try tensorBoard?.write(epochMetrics, step: state.step, learningRate: schedule.rate(at: max(state.step - 1, 0)))
            log(String(format: "epoch %d/%d  loss %.4f  validation ndcg@%d %.4f%@  %.1fs (training %.2fs, of which %.2fs "
                       + "queuing steps on the host; validation %.2fs)",
                       state.epoch + 1, epochs, epochMetrics.trainLoss, config.evaluationKs[0], metric,
                       state.bestEpoch == state.epoch ? " (best)" : "", seconds, trainingSeconds, queueSeconds,
                       validationSeconds))
            if let skippedSteps, skippedSteps > 0 {
                log("epoch \(state.epoch + 1): skipped \(skippedSteps) of \(batches.count) steps whose loss or gradients "
                    + "were not finite (--on-nonfinite skip-step)")
            }
            state.epoch += 1
            state.batchInEpoch = 0
            state.epochLossSum = 0
            state.skippedStepsInEpoch = 0
            try saveLast()
        }
        if stoppedEarly { log("stopped early: no better validation ndcg@\(config.evaluationKs[0]) for \(config.resolvedPatience) epochs") }
        return try finalEvaluation(stoppedEarly: stoppedEarly)
    }

    /// The weights of the model now, by name.
    public var weights: [NamedTensor] { model.namedWeights() }

    // MARK: Steps

    /// The inputs of the step `state` stands at, in `epoch`; with prefetching on, also starts
    /// preparing the next step's (within the epoch) while this one computes.
    private func stepInputs(of epoch: TrainingEpoch) -> StepInputs {
        let key = StepInputs.Key(epoch: state.epoch, batchIndex: state.batchInEpoch, step: state.step)
        if let staged = stagedInputs, staged.key == key { return staged }
        guard prefetchesSteps else { return StepInputs(key: key, epoch: epoch) }
        return takePrefetched(key, of: epoch)
    }

    /// The prefetched inputs of `key`, starting the prefetch of the step after it (within the epoch).
    private func takePrefetched(_ key: StepInputs.Key, of epoch: TrainingEpoch) -> StepInputs {
        let inputs = prefetcher.take(key, of: epoch)
        if key.batchIndex + 1 < epoch.count {
            prefetcher.prefetch(StepInputs.Key(epoch: key.epoch, batchIndex: key.batchIndex + 1, step: key.step + 1),
                                of: epoch)
        }
        return inputs
    }

    /// Queues the copies of the step `state` stands at into the set of buffers the last step did
    /// not use, beside the last step's computation (after the step before it released the set).
    private func stageNextStep(of epoch: TrainingEpoch) {
        let key = StepInputs.Key(epoch: state.epoch, batchIndex: state.batchInEpoch, step: state.step)
        let inputs = takePrefetched(key, of: epoch)
        let set = buffers.next, marker = buffers.marker(before: set)
        backend.stageWrite(inputs.batch.inputs, into: buffers[set].inputIDs, after: marker)
        backend.stageWrite(inputs.batch.targets, into: buffers[set].targetIDs, after: marker)
        stagedInputs = inputs
        stagedSet = set
    }

    /// Queues one optimizer step on `inputs`, its mean loss added to `epochLossSum`; nothing waits for the device.
    private func trainStep(_ inputs: StepInputs) throws {
        let batch = inputs.batch
        let length = batch.length, positions = batch.positionCount
        let set: Int
        if let staged = stagedInputs, staged.key == inputs.key {
            set = stagedSet
            backend.awaitStagedWrites()
        } else {
            set = buffers.next
            backend.write(batch.inputs, into: buffers[set].inputIDs)
            backend.write(batch.targets, into: buffers[set].targetIDs)
        }
        stagedInputs = nil
        let inputIDs = buffers[set].inputIDs, targetIDs = buffers[set].targetIDs
        model.zeroGradients()
        model.isTraining = true
        let hidden = model.forward(ids: inputIDs, batch: batch.batchSize, length: length,
                                   seed: Self.derivedSeed(Self.rankSeed(UInt64(config.seed), rank: parallelism.rank), .dropout,
                                                          step: state.step))
        let negatives = sampling.map { sampling in
            sampling.draw(on: backend, into: negativeIDs, targets: targetIDs, batch: batch, step: state.step)
        }
        loss.forwardBackward(
            hidden: hidden, itemTable: model.lossItemTable, hiddenGradient: hiddenGradient,
            itemTableGradient: model.itemEmbeddingGradient, targets: targetIDs, targetCount: batch.targetCount,
            negatives: negatives, positions: positions, lossSum: stepGate?.open(on: backend) ?? epochLossSum)
        model.backward(outputGradient: hiddenGradient)
        try parallelism.averageGradients(model.gradients)
        try stepGate?.decide(on: backend, gradients: model.gradients, parallelism: parallelism, epochLossSum: epochLossSum)
        optimizer.configuration.learningRate = schedule.rate(at: state.step)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, gate: stepGate?.gate)
        buffers.used(set, until: backend.queueMarker())
    }

    /// Seconds from `start` (an uptime in nanoseconds) to now.
    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// The epoch's loss sum so far, read from the backend (waiting for the queued steps).
    private func readEpochLossSum() -> Double {
        (backend.download(epochLossSum) as [Double])[0]
    }

    /// `readEpochLossSum()`, or `TrainError.diverged` naming the first step of the epoch whose
    /// loss was not finite (from `epochLossHistory`: a sum turns non-finite at that step and stays so).
    private func checkedEpochLossSum() throws(TrainError) -> Double {
        let sum = readEpochLossSum()
        guard !sum.isFinite else { return sum }
        let history: [Double] = backend.download(epochLossHistory)
        let firstBad = history.prefix(state.batchInEpoch).firstIndex { !$0.isFinite } ?? max(state.batchInEpoch - 1, 0)
        throw diverged("the loss", step: state.step - state.batchInEpoch + firstBad + 1)
    }

    /// Throws `TrainError.diverged` when a value of `weights` is NaN or infinite.
    private func checkFinite(_ weights: [NamedTensor]) throws(TrainError) {
        for tensor in weights {
            let finite = switch tensor.values {
            case .float32(let values): values.allSatisfy(\.isFinite)
            case .float64(let values): values.allSatisfy(\.isFinite)
            case .int32, .int64: true
            }
            if !finite { throw diverged("weight \(tensor.name)", step: state.step) }
        }
    }

    /// The error of a run that diverged at `step`, saying which checkpoint is kept.
    private func diverged(_ what: String, step: Int) -> TrainError {
        let kept = switch (writableStore, lastSavedStep) {
        case (nil, _): "and no checkpoints are kept"
        case (let store?, nil): "and \(store.folder(.last)) was never saved"
        case (let store?, let saved?): "\(store.folder(.last)) keeps step \(saved) (`\(TrainError.resumeCommand(store.directory))`)"
        }
        return .diverged(what: what, step: step, epoch: state.epoch + 1, kept: kept)
    }

    /// Saves `last/` where the run stands (between two steps) and throws `TrainError.interrupted`.
    private func stop(signal: Int32) throws {
        if state.batchInEpoch > 0 {
            state.epochLossSum = try checkedEpochLossSum()
            state.skippedStepsInEpoch = stepGate?.readSkippedSteps(on: backend) ?? 0
        }
        if lastSavedStep != state.step { try saveLast() }
        throw TrainError.interrupted(signal: signal, directory: writableStore?.directory ?? "", step: state.step)
    }

    private static func makeLoss(_ config: TrainingConfig, backend: any LossBackend) throws -> any TrainingLoss {
        func fused() throws -> any FusedLossBackend {
            guard let fused = backend as? any FusedLossBackend else {
                throw TrainError.invalidSetting(key: "loss", value: config.loss.rawValue, source: "settings",
                                                reason: "the \(backend.name) backend has no fused losses yet; use ce or ce-")
            }
            return fused
        }
        return switch config.loss {
        case .crossEntropy: CrossEntropyLoss(backend: backend)
        case .sampledCrossEntropy: SampledCrossEntropyLoss(backend: backend)
        case .fusedCrossEntropy:
            FusedCrossEntropyLoss(backend: try fused(), gradientFiltering: config.resolvedGradientFiltering)
        case .fusedSampledCrossEntropy:
            FusedSampledCrossEntropyLoss(backend: try fused(), gradientFiltering: config.resolvedGradientFiltering)
        case .binaryCrossEntropy: BinaryCrossEntropyLoss(backend: backend)
        case .generalizedBinaryCrossEntropy: GeneralizedBinaryCrossEntropyLoss(backend: backend, calibration: config.gbceT)
        }
    }

    // MARK: Randomness

    /// The independent random streams of a run.
    enum RandomStream: UInt64 {
        case initialization = 0x494E_4954
        case negatives = 0x4E45_4754
        case dropout = 0x4452_4F50
    }

    /// The seed of rank `rank`'s negatives and dropout: each rank draws its own, and rank 0 those
    /// of a one-process run. (Initialization uses the run's seed on every rank.)
    static func rankSeed(_ seed: UInt64, rank: Int) -> UInt64 {
        rank == 0 ? seed : seed ^ (UInt64(rank) &* 0xD1B5_4A32_D192_ED03)
    }

    /// The seed of `stream` at `step`: a pure function of the run's seed, so resuming redraws it exactly.
    static func derivedSeed(_ seed: UInt64, _ stream: RandomStream, step: Int = 0) -> UInt64 {
        var generator = SplitMix64(seed: seed ^ (stream.rawValue &* 0x9E37_79B9_7F4A_7C15), stream: UInt64(step))
        return generator.next()
    }

    // MARK: Checkpoints and results

    /// The folder of the run's TensorBoard event files, inside its output folder.
    public static let tensorBoardFolder = "tb"

    private static let firstMomentSuffix = ".exp_avg"
    private static let secondMomentSuffix = ".exp_avg_sq"

    /// Saves `last/`: weights, optimizer moments and where the run stands.
    private func saveLast() throws {
        guard let store = writableStore else { return }
        let weights = model.namedWeights()
        try checkFinite(weights)
        var saved = state
        saved.tensors = FlatBufferTensors.download(optimizer.firstMoment, layout: model.layout, backend: backend,
                                                   suffix: Self.firstMomentSuffix)
            + FlatBufferTensors.download(optimizer.secondMoment, layout: model.layout, backend: backend,
                                         suffix: Self.secondMomentSuffix)
        try store.save(.last, tensors: weights, config: config, items: dataset.items.names, state: saved,
                       data: dataRecord)
        lastSavedStep = state.step
    }

    private func finalEvaluation(stoppedEarly: Bool) throws -> TrainingResult {
        if let bestWeights { try model.loadWeights(bestWeights, file: "best weights") }
        let testStart = DispatchTime.now().uptimeNanoseconds
        let test = TestMetrics.measure(ranking, split: split)
        log(String(format: "test report (model and popularity, masked and unmasked) took %.1fs", Self.seconds(since: testStart)))
        let result = TrainingResult(
            bestEpoch: state.bestEpoch, bestValidationMetric: state.bestMetric ?? 0, epochsTrained: state.epoch,
            stoppedEarly: stoppedEarly, test: test)
        if let store = writableStore {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(result)
            try reportingDataErrors { () throws(DataError) in try AtomicFile.write(data, to: store.directory + "/results.json") }
        }
        return result
    }

    /// The store this rank writes to: rank 0's, none for the others (they compute the same weights).
    private var writableStore: CheckpointStore? { parallelism.isMain ? store : nil }

    private func makeFolder(_ path: String) throws(TrainError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: path, reason: "cannot create the output folder: \(error.localizedDescription)")
        }
    }
}
