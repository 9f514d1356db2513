import Foundation
import Testing
@testable import RecutTrain

@Suite struct TrainingConfigTests {
    static var changed: TrainingConfig {
        var config = TrainingConfig()
        config.data = "data/ml-1m.dat"
        config.format = .dat
        config.columns = ["user_id", "item_id", "timestamp"]
        config.split = .temporal
        config.splitCut = 978_300_000
        config.loss = .sampledCrossEntropy
        config.negatives = 128
        config.sampler = .popularity
        config.negativeGranularity = .perBatch
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
        config.syntheticMeanLength = 12.5
        return config
    }

    @Test func defaultsMatchTheReferenceRun() {
        let config = TrainingConfig()
        #expect(config.loss == .crossEntropy && config.negatives == 256 && config.gbceT == 0.75)
        #expect(config.batchSize == 64 && config.maxLength == 200 && config.dimension == 64)
        #expect(config.blocks == 2 && config.heads == 1 && config.dropout == 0.2 && config.initStandardDeviation == 0.02)
        #expect(config.learningRate == 1e-3 && config.beta1 == 0.9 && config.beta2 == 0.98 && config.weightDecay == 0)
        #expect(config.warmupSteps == 0 && config.schedule == .constant && config.gradientClip == nil)
        #expect(config.epochs == 300 && config.patience == 30 && config.seed == 0 && config.split == .leaveOneOut)
        #expect(throws: Never.self) { try config.validate(source: "defaults") }
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
            key: "loss", value: "softmax", source: path, reason: "expected one of ce, ce-, bce, gbce")) {
            try TrainingConfig.load(from: path)
        }
        #expect(throws: TrainError.invalidSetting(key: "batch", value: "many", source: "command line", reason: "expected a whole number")) {
            try TrainingConfig().applying(overrides: ["batch": "many"])
        }
        #expect(throws: TrainError.invalidSetting(key: "heads", value: "3", source: "command line", reason: "must be at least 1 and divide dim (64)")) {
            try TrainingConfig().applying(overrides: ["heads": "3"])
        }
        #expect(throws: TrainError.invalidSetting(key: "split-cut", value: "none", source: "command line", reason: "split = temporal needs a cut time")) {
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
        try Data("lr = 0.01\nbatch = 32\ngrad-clip = 1.0\ncolumns = [\"u\", \"i\"]\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let config = try TrainingConfig.load(from: path).applying(overrides: [
            "lr": "3e-4", "eval-ks": "10, 20", "grad-clip": "none", "log-q-correction": "true", "seed": "9223372036854775807",
        ])
        #expect(config.learningRate == 3e-4)  // flag over file
        #expect(config.batchSize == 32)  // file over default
        #expect(config.gradientClip == nil)  // flag clears the file's value
        #expect(config.columns == ["u", "i"])
        #expect(config.evaluationKs == [10, 20] && config.logQCorrection && config.seed == Int.max)
        #expect(config.epochs == 300)  // default
    }

    @Test func scheduleUsesTheSettings() {
        var config = TrainingConfig()
        config.warmupSteps = 10
        config.schedule = .cosine
        #expect(config.learningRateSchedule(totalSteps: 110) == LearningRateSchedule(
            peak: 1e-3, warmupSteps: 10, shape: .cosine, totalSteps: 110, floor: 0))
    }
}
