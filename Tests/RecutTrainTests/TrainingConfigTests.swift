import Foundation
import Testing
import RecutData
@testable import RecutTrain

@Suite struct TrainingConfigTests {
    static var changed: TrainingConfig {
        var config = TrainingConfig()
        config.data = "data/ml-1m.dat"
        config.format = .movielens
        config.columns = "user=user_id,item=item_id,timestamp=ts"
        config.skipBadRows = true
        config.minimumRating = 3.5
        config.dropRepeats = true
        config.userCore = 5
        config.itemCore = 5
        config.cache = false
        config.cacheDirectory = "/tmp/cache"
        config.split = .temporal(.time(978_300_000))
        config.loss = .sampledCrossEntropy
        config.negatives = 128
        config.sampler = .popularity
        config.negativeGranularity = .perBatch
        config.collisions = .mask
        config.logQCorrection = true
        config.gbceT = 0.5
        config.maxLength = 50
        config.dimension = 128
        config.heads = 4
        config.dropout = 0.1
        config.learningRate = 3e-4
        config.weightDecay = 0.01
        config.warmupSteps = 100
        config.schedule = .cosine
        config.learningRateFloor = 1e-5
        config.gradientClip = 1.0
        config.batchSize = 256
        config.seed = Int.max
        config.device = .cuda
        config.evaluationKs = [10, 20, 100]
        config.syntheticMeanLength = 12
        config.epochs = 5
        config.patience = 2
        config.checkpointEvery = 100
        config.maskValidation = true
        return config
    }

    /// A repeated key is an error in YAML as in TOML, naming both lines.
    @Test func duplicateYAMLKeysAreRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/twice.yaml"
        try Data("lr: 0.01\nbatch: 32\nlr: 0.02\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try TrainingConfig.load(from: path)
        } throws: { error in
            "\(error)".contains("setting 'lr' is given twice (first on line 1)") && "\(error)".contains(":3")
        }
    }

    @Test func defaultsMatchTheReferenceRun() {
        let config = TrainingConfig()
        #expect(config.loss == .crossEntropy && config.negatives == 256 && config.gbceT == 0.75)
        #expect(config.batchSize == 64 && config.dimension == 64)
        #expect(config.blocks == 2 && config.heads == 1 && config.dropout == 0.2 && config.initStandardDeviation == 0.02)
        #expect(config.learningRate == 1e-3 && config.beta1 == 0.9 && config.beta2 == 0.98 && config.weightDecay == 0)
        #expect(config.warmupSteps == 0 && config.schedule == .constant && config.gradientClip == nil)
        #expect(config.seed == 0 && config.split == .leaveOneOut && config.checkpointEvery == nil)
        #expect(throws: Never.self) { try config.validate(source: "defaults") }
        var withFile = config
        withFile.data = "ratings.dat"
        #expect(withFile.resolvedMaxLength == 200 && withFile.resolvedEpochs == 300 && withFile.resolvedPatience == 30)
        #expect(config.resolvedMaxLength == TrainingConfig.SyntheticDefaults.maxLength)
        #expect(config.resolved().epochs == TrainingConfig.SyntheticDefaults.epochs)
    }

    @Test func syntheticAndPreprocessingSettingsMapToTheDataLayer() throws {
        let config = try TrainingConfig().applying(overrides: [
            "synthetic-users": "10", "synthetic-items": "20", "synthetic-mean-length": "5", "synthetic-seed": "7",
            "min-rating": "4", "drop-repeats": "yes", "user-core": "2", "item-core": "3",
        ])
        #expect(config.syntheticConfig == SyntheticConfig(users: 10, items: 20, meanLength: 5, seed: 7))
        #expect(config.preprocessOptions == PreprocessOptions(minimumRating: 4, dropConsecutiveRepeats: true, userCore: 2, itemCore: 3))
        #expect(TrainingConfig().syntheticConfig == SyntheticConfig())
    }

    @Test func gradientFilteringDefaultsOnForFullCatalogOnlyAndPrecisionParses() throws {
        let full = try TrainingConfig().applying(overrides: ["loss": "cce"])
        let sampled = try TrainingConfig().applying(overrides: ["loss": "cce-"])
        #expect(full.resolvedGradientFiltering && !sampled.resolvedGradientFiltering)
        #expect(try sampled.applying(overrides: ["gradient-filtering": "true"]).resolvedGradientFiltering)
        #expect(try full.applying(overrides: ["gradient-filtering": "auto"]).gradientFiltering == nil)
        #expect(try TrainingConfig().applying(overrides: ["precision": "bf16"]).precision == .bf16)
        #expect(TrainingConfig().precision == .auto)
    }

    @Test func splitKeysBuildTheDataLayersStrategy() throws {
        let quantile = try TrainingConfig().applying(overrides: ["split": "temporal", "cut-quantile": "0.9"])
        #expect(quantile.split == .temporal(.quantile(0.9)))
        // A cut given later replaces the other kind of cut; leave-one-out drops both.
        #expect(try quantile.applying(overrides: ["cut-time": "100"]).split == .temporal(.time(100)))
        #expect(try quantile.applying(overrides: ["split": "leave-one-out"]).split == .leaveOneOut)
        #expect(try quantile.applying(overrides: ["format": "auto"]).format == nil)
        #expect(try quantile.applying(overrides: ["format": "pairs"]).format == .pairs)
        #expect(throws: TrainError.invalidSetting(
            key: "cut-quantile", value: "1.5", source: "command line", reason: "must be strictly between 0 and 1")) {
            try quantile.applying(overrides: ["cut-quantile": "1.5"])
        }
        #expect(throws: TrainError.self) { try TrainingConfig().applying(overrides: ["cut-time": "5"]) }
        #expect(throws: TrainError.self) { try TrainingConfig().applying(overrides: ["columns": "user=a,colour=b"]) }
    }

    @Test(arguments: ["toml", "yaml", "yml"])
    func fileRoundTrip(extension: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for config in [TrainingConfig(), Self.changed] {
            let path = directory.path + "/config." + `extension`
            try config.write(to: path)
            #expect(try TrainingConfig.load(from: path) == config)
        }
    }

    @Test func handWrittenFilesReadAsExpected() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let toml = """
            # a comment
            loss = "ce-"
            lr = 1e-3
            negatives = 64
            log-q-correction = true
            eval-ks = [5, 10]
            grad-clip = 5
            """
        let yaml = """
            loss: ce-
            lr: 1e-3
            negatives: 64
            log-q-correction: yes
            eval-ks: [5, 10]
            grad-clip: 5
            """
        try Data(toml.utf8).write(to: URL(fileURLWithPath: directory.path + "/a.toml"))
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: directory.path + "/a.yaml"))
        var expected = TrainingConfig()
        expected.loss = .sampledCrossEntropy
        expected.negatives = 64
        expected.logQCorrection = true
        expected.evaluationKs = [5, 10]
        expected.gradientClip = 5
        #expect(try TrainingConfig.load(from: directory.path + "/a.toml") == expected)
        #expect(try TrainingConfig.load(from: directory.path + "/a.yaml") == expected)
    }

    @Test func unknownKeyNamesTheKeyAndTheFile() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/typo.toml"
        try Data("learning-rate = 0.01\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try TrainingConfig.load(from: path)
            Issue.record("an unknown key was accepted")
        } catch {
            guard case .unknownSetting(let key, let file, let known) = error else { throw error }
            #expect(key == "learning-rate" && file == path && known.contains("lr"))
            #expect(error.description.hasPrefix("\(path): unknown setting 'learning-rate'; known settings: data, format"))
        }
    }

    @Test func badValuesAreExplained() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/bad.yaml"
        try Data("loss: softmax\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TrainError.invalidSetting(
            key: "loss", value: "softmax", source: path, reason: "expected one of ce, ce-, cce, cce-, bce, gbce")) {
            try TrainingConfig.load(from: path)
        }
        #expect(throws: TrainError.invalidSetting(key: "batch", value: "many", source: "command line", reason: "expected a whole number")) {
            try TrainingConfig().applying(overrides: ["batch": "many"])
        }
        #expect(throws: TrainError.invalidSetting(key: "heads", value: "3", source: "command line", reason: "must be at least 1 and divide dim (64)")) {
            try TrainingConfig().applying(overrides: ["heads": "3"])
        }
        #expect(throws: TrainError.invalidSetting(
            key: "split", value: "split = temporal, cut-time = none, cut-quantile = none", source: "command line",
            reason: "split = temporal needs exactly one of cut-time or cut-quantile")) {
            try TrainingConfig().applying(overrides: ["split": "temporal"])
        }
        #expect(throws: TrainError.self) { try TrainingConfig().applying(overrides: ["learning-rate": "1"]) }
        #expect(throws: TrainError.self) { try TrainingConfig.load(from: directory.path + "/absent.toml") }
        #expect(throws: TrainError.self) { try TrainingConfig.load(from: path.replacingOccurrences(of: ".yaml", with: ".ini")) }
    }

    @Test func flagsOverrideTheFile() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/run.toml"
        try Data("lr = 0.01\nbatch = 32\ngrad-clip = 1.0\ncolumns = \"user=u,item=i\"\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let config = try TrainingConfig.load(from: path).applying(overrides: [
            "lr": "3e-4", "eval-ks": "10, 20", "grad-clip": "none", "log-q-correction": "true", "seed": "9223372036854775807",
        ])
        #expect(config.learningRate == 3e-4)  // flag over file
        #expect(config.batchSize == 32)  // file over default
        #expect(config.gradientClip == nil)  // flag clears the file's value
        #expect(config.columns == "user=u,item=i")
        #expect(config.evaluationKs == [10, 20] && config.logQCorrection && config.seed == Int.max)
        #expect(config.epochs == nil && config.resolvedEpochs == TrainingConfig.SyntheticDefaults.epochs)  // default
    }

    @Test func scheduleUsesTheSettings() {
        var config = TrainingConfig()
        config.warmupSteps = 10
        config.schedule = .cosine
        #expect(config.learningRateSchedule(totalSteps: 110) == LearningRateSchedule(
            peak: 1e-3, warmupSteps: 10, shape: .cosine, totalSteps: 110, floor: 0))
    }
}
