import Foundation
import Testing
@testable import RecutTrain

/// TensorBoard's own reader opens the event files a run writes and finds every value of metrics.jsonl.
@Suite struct TensorBoardTests {
    @Test func tensorBoardReadsTheScalarsOfEveryEpoch() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.path + "/run"
        _ = try ResumeTests.trainer(ResumeTests.config, output: output).run()
        let epochs = try MetricsLog.read(from: output + "/metrics.jsonl")
        let script = """
            import glob, json, sys
            from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
            files = sorted(glob.glob(sys.argv[1] + "/events.out.tfevents.*"))
            assert len(files) == 1, files
            for event in EventFileLoader(files[0]).Load():
                for value in event.summary.value:
                    # The reader hands scalars out as tensors (data_compat migration).
                    number = value.tensor.float_val[0] if value.HasField("tensor") else value.simple_value
                    print(json.dumps([value.tag, event.step, number]))
            """
        let lines = try PythonPackages.run(script, [output + "/" + Trainer.tensorBoardFolder])
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Any] }
        var read: [String: [(step: Int, value: Double)]] = [:]
        for line in lines {
            read[line[0] as! String, default: []].append((line[1] as! Int, (line[2] as! NSNumber).doubleValue))
        }
        #expect(read["train/loss"]?.count == epochs.count && epochs.count == 2)
        for (index, epoch) in epochs.enumerated() {
            var expected = ["train/loss": epoch.trainLoss, "train/events_per_second": epoch.eventsPerSecond,
                            "epoch/seconds": epoch.seconds]
            for (name, value) in epoch.validation { expected["validation/" + name] = value }
            for (tag, value) in expected {
                let found = try #require(read[tag]?[index], "no \(tag) for epoch \(index)")
                #expect(Float(found.value) == Float(value), "\(tag) epoch \(index): \(found.value) vs \(value)")
            }
            #expect(read["train/learning_rate"].map { Float($0[index].value) } == Float(ResumeTests.config.learningRate))
        }
        let steps = try #require(read["train/loss"]).map(\.step)
        #expect(steps[0] > 0 && steps[1] == 2 * steps[0])
    }

    @Test func crcMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
