import Foundation
import RecutCore

/// The model that answers, swapped atomically by a reload.
///
/// A reload reads the new checkpoint beside the serving model, builds it on the batcher's
/// thread, then swaps: requests that already hold the old model finish on it, new ones get the
/// new one, and none is dropped or refused. A reload that fails keeps the old model and throws.
public final class ModelHolder: @unchecked Sendable {
    /// The batcher that ranks, and builds reloaded models.
    public let batcher: RequestBatcher
    private let backend: any Backend
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var model: ServedModel
    private var reloading = false

    /// Serves `model`, reloading onto `backend` through `batcher`; `log` says what reloads did.
    public init(model: ServedModel, backend: any Backend, batcher: RequestBatcher,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.model = model
        self.backend = backend
        self.batcher = batcher
        self.log = log
    }

    /// Builds the model of `source` on the batcher's thread: the first model of a server (generation 1).
    public static func load(_ source: ServedModel.Source, backend: any Backend,
                            batcher: RequestBatcher) async throws -> ServedModel {
        try await batcher.perform {
            try ServedModel(source: source, backend: backend, maximumBatch: batcher.maximumBatch, generation: 1)
        }
    }

    /// The model new requests go to.
    public var current: ServedModel {
        lock.lock()
        defer { lock.unlock() }
        return model
    }

    /// Loads the checkpoint in `folder` (default: the serving model's folder again) and swaps it in.
    ///
    /// Throws a 409 `ServeError` while another reload runs, a 422 one naming the error when the
    /// checkpoint does not load (the old model keeps answering).
    @discardableResult
    public func reload(from folder: String? = nil) async throws(ServeError) -> ServedModel {
        let (old, mayStart) = lock.withLock { () -> (ServedModel, Bool) in
            if reloading { return (model, false) }
            reloading = true
            return (model, true)
        }
        guard mayStart else { throw .conflict("a reload is already running") }
        defer { lock.withLock { reloading = false } }
        let path = folder ?? old.info.checkpoint
        log("serve: reloading \(path)")
        let started = Date()
        let loaded: ServedModel
        do {
            let source = try await Task.detached { [log] in try ServedModel.Source.read(path, log: log) }.value
            let backend = backend, batcher = batcher, generation = old.generation + 1
            loaded = try await batcher.perform {
                try ServedModel(source: source, backend: backend, maximumBatch: batcher.maximumBatch, generation: generation)
            }
        } catch {
            log("serve: reload of \(path) failed, still serving generation \(old.generation): \(error)")
            throw .unprocessable("cannot load \(path): \(error); still serving generation \(old.generation)")
        }
        lock.withLock { model = loaded }
        log("serve: generation \(loaded.generation) from \(path) answers (loaded in "
            + String(format: "%.1f", Date().timeIntervalSince(started)) + " s)")
        return loaded
    }
}
