import Foundation
import RecutData

/// The summary of one training epoch: one line of the metrics log.
public struct EpochMetrics: Codable, Sendable, Equatable {
    /// Epoch number, 0-based.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Training events (predicted positions) per second.
    public var eventsPerSecond: Double
    /// Wall-clock seconds of the epoch, evaluation included.
    public var seconds: Double
    /// Seconds of the epoch's training steps (the device's work included), nil in logs that predate it.
    public var trainingSeconds: Double?
    /// Seconds of the epoch's validation, nil in logs that predate it.
    public var validationSeconds: Double?
    /// Seconds the host spent preparing and queuing the training steps (a part of
    /// `trainingSeconds`; close to it when the host, not the device, bounds training).
    public var queueSeconds: Double?
    /// Validation metrics by name, e.g. "ndcg@10".
    public var validation: [String: Double]
    /// Steps skipped for a non-finite loss or gradient (`on-nonfinite = skip-step`; nil otherwise).
    public var skippedSteps: Int?

    /// Groups one epoch's numbers.
    public init(epoch: Int, trainLoss: Double, eventsPerSecond: Double, seconds: Double, validation: [String: Double],
                trainingSeconds: Double? = nil, validationSeconds: Double? = nil, queueSeconds: Double? = nil,
                skippedSteps: Int? = nil) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.eventsPerSecond = eventsPerSecond
        self.seconds = seconds
        self.validation = validation
        self.trainingSeconds = trainingSeconds
        self.validationSeconds = validationSeconds
        self.queueSeconds = queueSeconds
        self.skippedSteps = skippedSteps
    }

    enum CodingKeys: String, CodingKey {
        case epoch, seconds, validation
        case trainLoss = "train_loss"
        case eventsPerSecond = "events_per_second"
        case trainingSeconds = "training_seconds"
        case validationSeconds = "validation_seconds"
        case queueSeconds = "queue_seconds"
        case skippedSteps = "skipped_steps"
    }
}

/// A JSON-lines file with one `EpochMetrics` object per line, readable while training runs.
///
/// Each line goes to the file in one unbuffered write, so a crash loses at most the epoch in
/// flight and `tail -f` or a plotting script sees every finished epoch.
public final class MetricsLog {
    /// Path of the log file.
    public let path: String
    private let handle: FileHandle

    /// Opens the log at `path`, truncating it; or, when resuming a run at `resumingAt` epoch,
    /// keeping the lines of the epochs before it and appending after them.
    ///
    /// A run killed after logging an epoch but before checkpointing it logs that epoch again
    /// when resumed, so the lines of later epochs (and a line cut short by the kill) are dropped.
    public init(path: String, resumingAt epoch: Int? = nil) throws(TrainError) {
        if let epoch, FileManager.default.fileExists(atPath: path) {
            try Self.keepEpochs(before: epoch, in: path)
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw .writeFailed(file: path, reason: "cannot create the metrics log (does the folder exist?)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw .writeFailed(file: path, reason: "cannot open the metrics log for writing")
        }
        do {
            try handle.seekToEnd()
        } catch {
            throw .writeFailed(file: path, reason: error.localizedDescription)
        }
        self.path = path
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one epoch as a JSON line.
    public func write(_ metrics: EpochMetrics) throws(TrainError) {
        var line = try! Self.encoder.encode(metrics)
        line.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: line)
        } catch {
            throw .writeFailed(file: path, reason: error.localizedDescription)
        }
    }

    /// Rewrites the log at `path` (atomically) with only its complete lines of epochs before `epoch`.
    private static func keepEpochs(before epoch: Int, in path: String) throws(TrainError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "cannot read the metrics log to resume it")
        }
        let decoder = makeDecoder()
        let lines = data.split(separator: UInt8(ascii: "\n"))
        let kept = lines.filter { line in
            (try? decoder.decode(EpochMetrics.self, from: Data(line))).map { $0.epoch < epoch } ?? false
        }
        guard kept.count < lines.count || data.last != UInt8(ascii: "\n") && !data.isEmpty else { return }
        var rewritten = Data()
        for line in kept {
            rewritten.append(contentsOf: line)
            rewritten.append(UInt8(ascii: "\n"))
        }
        try reportingDataErrors { () throws(DataError) in try AtomicFile.write(rewritten, to: path) }
    }

    private static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Reads every line of a metrics log.
    public static func read(from path: String) throws(TrainError) -> [EpochMetrics] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "no such file")
        }
        let decoder = makeDecoder()
        var records: [EpochMetrics] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            do {
                records.append(try decoder.decode(EpochMetrics.self, from: Data(line)))
            } catch {
                throw .corrupt(file: path, reason: "line \(index + 1): \(error)")
            }
        }
        return records
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A diverging run logs its NaN loss rather than failing to log.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()
}
