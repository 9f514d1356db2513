import Foundation
import Testing
@testable import RecutTrain

/// Collects written text and serves a hand-moved clock.
private final class Recorder {
    var text = ""
    var time = 100.0
}

@Suite struct TrainingProgressTests {
    @Test func plainOutputLogsEveryTenthOfTheEpoch() {
        let recorder = Recorder()
        let progress = TrainingProgress(
            epoch: 2, epochs: 300, batches: 20, isTerminal: false,
            write: { recorder.text += $0 }, now: { recorder.time })
        for _ in 0..<20 {
            recorder.time += 0.5
            progress.update(events: 100, meanLoss: { 2.0 })
        }
        progress.finish()
        let lines = recorder.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 11 && lines.last == "")
        #expect(lines[0] == "epoch 3/300  10% batch 2/20  200 events/s  loss 2.0000  eta 0:09")
        #expect(lines[4] == "epoch 3/300  50% batch 10/20  200 events/s  loss 2.0000  eta 0:05")
        #expect(lines[9] == "epoch 3/300 100% batch 20/20  200 events/s  loss 2.0000  took 0:10")
        #expect(progress.eventsPerSecond == 200)
    }

    @Test func smallEpochsLogEachBatchOnce() {
        let recorder = Recorder()
        let progress = TrainingProgress(
            epoch: 0, epochs: 1, batches: 3, isTerminal: false, write: { recorder.text += $0 }, now: { recorder.time })
        var losses: [Double] = []
        for loss in [3.0, 2.0, 1.0] {
            recorder.time += 1
            losses.append(loss)
            progress.update(events: 10, meanLoss: { losses.reduce(0, +) / Double(losses.count) })
        }
        #expect(recorder.text == """
            epoch 1/1  33% batch 1/3  10 events/s  loss 3.0000  eta 0:02
            epoch 1/1  66% batch 2/3  10 events/s  loss 2.5000  eta 0:01
            epoch 1/1 100% batch 3/3  10 events/s  loss 2.0000  took 0:03

            """)
    }

    @Test func terminalBarRedrawsAtMostTenTimesASecond() {
        let recorder = Recorder()
        let progress = TrainingProgress(
            epoch: 0, epochs: 5, batches: 100, isTerminal: true, write: { recorder.text += $0 }, now: { recorder.time })
        var lossReads = 0
        for _ in 0..<100 {
            recorder.time += 0.01
            progress.update(events: 64, meanLoss: {
                lossReads += 1
                return 1.5
            })
        }
        progress.finish()
        let draws = recorder.text.split(separator: "\r", omittingEmptySubsequences: true)
        #expect((10...12).contains(draws.count))
        // The loss is read only for the lines drawn, not at every step.
        #expect(lossReads == draws.count)
        #expect(draws.last == "epoch 1/5 [########################] 100% batch 100/100  6400 events/s  loss 1.5000  took 0:01\u{1B}[K\n")
        #expect(draws.first?.hasPrefix("epoch 1/5 [") == true)
    }

    @Test func durations() {
        #expect(TrainingProgress.duration(0) == "0:00")
        #expect(TrainingProgress.duration(61.4) == "1:01")
        #expect(TrainingProgress.duration(3 * 3600 + 5 * 60 + 9) == "3:05:09")
    }
}

@Suite struct MetricsLogTests {
    @Test func writesOneJSONObjectPerLine() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/metrics.jsonl"
        let first = EpochMetrics(epoch: 0, trainLoss: 7.25, eventsPerSecond: 12000, seconds: 1.5,
                                 validation: ["ndcg@10": 0.125, "hr@10": 0.25])
        let second = EpochMetrics(epoch: 1, trainLoss: .nan, eventsPerSecond: 11000, seconds: 2, validation: [:])
        let log = try MetricsLog(path: path)
        try log.write(first)
        // Each line is on disk as soon as it is written, before the log is closed.
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) ==
            #"{"epoch":0,"events_per_second":12000,"seconds":1.5,"train_loss":7.25,"validation":{"hr@10":0.25,"ndcg@10":0.125}}"# + "\n")
        try log.write(second)
        let lines = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1] == #"{"epoch":1,"events_per_second":11000,"seconds":2,"train_loss":"nan","validation":{}}"#)
        let read = try MetricsLog.read(from: path)
        #expect(read.count == 2 && read[0] == first && read[1].trainLoss.isNaN)
    }

    @Test func resumingKeepsOnlyEarlierEpochs() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/metrics.jsonl"
        func record(_ epoch: Int) -> EpochMetrics {
            EpochMetrics(epoch: epoch, trainLoss: 1, eventsPerSecond: 1, seconds: 1, validation: [:])
        }
        let log = try MetricsLog(path: path)
        for epoch in 0..<3 { try log.write(record(epoch)) }
        // A kill mid-write leaves a cut line; resuming at epoch 2 drops it and epoch 2's line.
        let handle = FileHandle(forWritingAtPath: path)!
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"epoch":3,"ev"#.utf8))
        try handle.close()
        try MetricsLog(path: path, resumingAt: 2).write(record(2))
        #expect(try MetricsLog.read(from: path).map(\.epoch) == [0, 1, 2])
        try MetricsLog(path: path).write(record(0))
        #expect(try MetricsLog.read(from: path).count == 1)
        #expect(throws: TrainError.self) { try MetricsLog(path: directory.path + "/absent/metrics.jsonl") }
    }
}
