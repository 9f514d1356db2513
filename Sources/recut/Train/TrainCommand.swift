import ArgumentParser
import Foundation
import RecutCore
import RecutTrain

/// `recut train`: train SASRec, keep checkpoints, and report test metrics beside the popularity baseline.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train SASRec on an interaction file (or the synthetic dataset) and report test metrics.",
        discussion: """
            Settings come from the defaults, then --config FILE (.toml, .yaml or .yml, flat `key = value` \
            lines named like the flags), then the flags given. Without a FILE, trains on the synthetic \
            dataset with shorter defaults (see --epochs, --patience, --max-length).
            """)

    @OptionGroup var source: DataSourceOptions
    @OptionGroup var splitting: SplitOptions
    @OptionGroup var training: TrainingOptions

    @Option(help: "Settings file (.toml, .yaml or .yml); flags override it.")
    var config: String?

    @Option(help: "Continue the run in this output folder from its last checkpoint (no other settings).")
    var resume: String?

    @Flag(help: "Replace the run the output folder holds (its checkpoints, metrics log and results); without it, a new run into a folder that holds any file is refused.")
    var overwrite = false

    @Option(help: ArgumentHelp(
        "Train data-parallel on this many GPUs of this host, one process each (NCCL; unverified on GPUs).",
        discussion: "Processes started by torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set) need no --gpus."))
    var gpus = 1

    @Flag(help: "With --resume: go on although the data differs from the data the run trained on.")
    var allowDataChange = false

    func validate() throws {
        if gpus < 1 { throw ValidationError("--gpus must be at least 1") }
        if allowDataChange && resume == nil { throw ValidationError("--allow-data-change goes with --resume") }
        if resume != nil && overwrite { throw ValidationError("--resume continues a run; --overwrite replaces one: give one") }
        if resume != nil {
            let given = source.overrides.merging(splitting.overrides) { $1 }.merging(training.overrides) { $1 }
            if config != nil || !given.isEmpty {
                throw ValidationError("--resume continues with the run's saved settings; give no other settings")
            }
        }
    }

    func run() throws {
        let environment = try DistributedEnvironment()
        if gpus > 1 && !environment.isDistributed {
            try DataParallelLaunch.relaunch(processCount: gpus, removing: "--gpus")
            return
        }
        let trainer: Trainer
        if let resume {
            let store = CheckpointStore(directory: resume)
            let checkpoint = try store.load(.last)
            let setup = try RunSetup(config: checkpoint.config, deviceOrdinal: environment.localRank,
                                     recordedIn: store.folder(.last))
            trainer = try Trainer(resuming: checkpoint, dataset: setup.loaded.dataset, split: setup.split,
                                  backend: setup.backend, store: store,
                                  parallelism: try parallelism(environment, backend: setup.backend),
                                  allowDataChange: allowDataChange)
            log("resuming \(resume) at epoch \((checkpoint.state?.epoch ?? 0) + 1), step \(checkpoint.state?.step ?? 0)")
        } else {
            let base = try config.map { path throws(TrainError) in try TrainingConfig.load(from: path) } ?? TrainingConfig()
            var settings = try base.applying(overrides: source.overrides.merging(splitting.overrides) { $1 }
                .merging(training.overrides) { $1 })
            try source.checkOptionsApply(to: settings)
            // Recorded absolute, so that resume and evaluate find the file from any folder.
            settings.data = DataRecord.absolutePath(settings.data)
            let setup = try RunSetup(config: settings, deviceOrdinal: environment.localRank)
            trainer = try Trainer(config: settings, dataset: setup.loaded.dataset, split: setup.split,
                                  backend: setup.backend, store: CheckpointStore(directory: settings.output),
                                  parallelism: try parallelism(environment, backend: setup.backend))
        }
        trainer.replacesExistingRun = overwrite
        // Only rank 0 reports; the others compute the same weights.
        guard environment.isMain else {
            _ = try trainer.run()
            return
        }
        trainer.log = log
        trainer.progressOutput = { FileHandle.standardError.write(Data($0.utf8)) }
        trainer.progressIsTerminal = isatty(STDERR_FILENO) != 0
        // One process stops at its next step; ranks of a data-parallel run would stop at different ones.
        let signals = environment.isDistributed ? nil : SignalStop()
        trainer.stopRequest = { signals?.request }
        let result: TrainingResult
        do {
            result = try trainer.run()
        } catch TrainError.interrupted(let signal, let directory, let step) {
            log("stopped by signal \(signal) after step \(step), saved in \(directory)/last; continue with:")
            log("  " + TrainError.resumeCommand(directory))
            throw ExitCode(128 + signal)
        }
        print("best epoch \(result.bestEpoch + 1) of \(result.epochsTrained) (validation ndcg@\(trainer.config.evaluationKs[0]) "
            + String(format: "%.4f", result.bestValidationMetric) + "); test metrics of its weights, beside the popularity baseline:")
        print(result.test.formatted())
        print("checkpoints: \(trainer.store!.folder(.best)) (best), \(trainer.store!.folder(.last)) (resume); "
            + "metrics: \(trainer.store!.directory)/metrics.jsonl")
    }

    /// `.single` for one process, else this rank joined to the others over NCCL.
    private func parallelism(_ environment: DistributedEnvironment, backend: any LossBackend) throws -> DataParallelism {
        guard environment.isDistributed else { return .single }
        log("rank \(environment.rank) of \(environment.worldSize) on GPU \(environment.localRank); "
            + "data-parallel training is unverified on GPUs")
        return try DataParallelLaunch.parallelism(environment: environment, backend: backend)
    }
}
