import Foundation

/// TensorBoard event files of a run, in `tb/` of its output folder: one file per process
/// (`events.out.tfevents.<time>.<host>.recut`), each record framed as TFRecord (length, masked
/// CRC-32C of the length, the event, masked CRC-32C of the event) and written through at once,
/// so that TensorBoard shows an epoch as soon as it ends and a crash loses at most a record
/// in progress, which readers skip.
final class TensorBoardLog {
    private let handle: FileHandle
    /// The file the events go to.
    let path: String

    /// Opens a new event file in `folder` (created if needed) and writes its version record.
    init(folder: String) throws(TrainError) {
        let time = Date().timeIntervalSince1970
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        path = folder + "/events.out.tfevents.\(Int(time)).\(host).\(ProcessInfo.processInfo.processIdentifier).recut"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TrainError.writeFailed(file: path, reason: "cannot create the TensorBoard event file")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } catch let error as TrainError {
            throw error
        } catch {
            throw .writeFailed(file: path, reason: error.localizedDescription)
        }
        try write(TensorBoardEvent(wallTime: time, step: 0, fileVersion: "brain.Event:2"))
    }

    deinit { try? handle.close() }

    /// Appends the numbers of one epoch at global step `step`: the training loss, learning rate
    /// and speed, and every validation metric (`validation/ndcg@10`, ...).
    func write(_ metrics: EpochMetrics, step: Int, learningRate: Double) throws(TrainError) {
        var scalars: [(tag: String, value: Float)] = [
            ("train/loss", Float(metrics.trainLoss)), ("train/learning_rate", Float(learningRate)),
            ("train/events_per_second", Float(metrics.eventsPerSecond)), ("epoch/seconds", Float(metrics.seconds)),
        ]
        scalars += metrics.validation.keys.sorted().map { ("validation/" + $0, Float(metrics.validation[$0]!)) }
        try write(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step, scalars: scalars))
    }

    private func write(_ event: TensorBoardEvent) throws(TrainError) {
        let data = event.encoded
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Array($0) }
        var record = lengthBytes
        withUnsafeBytes(of: CRC32C.masked(lengthBytes).littleEndian) { record.append(contentsOf: $0) }
        record += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { record.append(contentsOf: $0) }
        do {
            try handle.write(contentsOf: Data(record))
        } catch {
            throw .writeFailed(file: path, reason: error.localizedDescription)
        }
    }
}
