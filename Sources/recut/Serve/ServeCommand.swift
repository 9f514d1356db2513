import ArgumentParser
import Dispatch
import Foundation
import RecutServe
import RecutTrain

/// `recut serve`: answers recommendation requests over HTTP (see `RecommendationServer`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer recommendation requests over HTTP with a trained checkpoint.",
        discussion: """
            Routes: POST /recommend {"user": ID} or {"items": [ID, ...]} with optional "k" and \
            "exclude"; GET /health; GET /model; POST /admin/reload (optional {"checkpoint": DIR}). \
            SIGHUP reloads the checkpoint folder too. Concurrent requests are ranked together on \
            the device. SIGINT or SIGTERM stops the server after the requests under way.
            """)

    @Option(help: "A run's output folder (its best/ checkpoint is used) or a checkpoint folder.")
    var checkpoint: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(parsing: .unconditional, help: "Port to listen on (0: any free port; the one chosen is logged).")
    var port = 8080

    @Option(help: "Device: auto, cpu or cuda (default: the checkpoint's setting).")
    var device: TrainingConfig.Device?

    @Option(parsing: .unconditional, help: "The most requests ranked in one pass.")
    var maxBatch = 64

    @Option(parsing: .unconditional, help: "Milliseconds to wait for more requests after the first of a batch (0: rank what waits).")
    var batchWindowMs = 0.0

    @Option(parsing: .unconditional, help: "The largest request body read, in bytes (larger ones get 413).")
    var maxBodyBytes = 1 << 20

    func validate() throws {
        if !(1...4096).contains(maxBatch) { throw ValidationError("--max-batch must be in 1...4096") }
        if !(batchWindowMs >= 0 && batchWindowMs <= 1000) { throw ValidationError("--batch-window-ms must be in 0...1000") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
        if maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024") }
    }

    func run() async throws {
        let folder = CheckpointPath.folder(checkpoint)
        let source = try ServedModel.Source.read(folder, log: log)
        let backend = try RunSetup.backend(for: device ?? source.checkpoint.config.device)
        let batcher = RequestBatcher(maximumBatch: maxBatch, window: batchWindowMs / 1000)
        let model = try await ModelHolder.load(source, backend: backend, batcher: batcher)
        let holder = ModelHolder(model: model, backend: backend, batcher: batcher, log: { log($0) })
        signal(SIGHUP, SIG_IGN)
        let hangUp = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangUp.setEventHandler { Task { _ = try? await holder.reload() } }
        hangUp.resume()
        let info = model.info
        let host = host
        let application = RecommendationServer(holder: holder, maximumBodyBytes: maxBodyBytes)
            .makeApplication(host: host, port: port) { port in
                log("serve: \(info.checkpoint) (\(info.catalogSize) items, \(info.users.map { "\($0) users" } ?? "no user ids")) "
                    + "on \(info.device), listening on http://\(host):\(port)")
            }
        try await application.runService()
        hangUp.cancel()
        batcher.stop()
    }
}
