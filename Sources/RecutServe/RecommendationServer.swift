import Foundation
import Hummingbird
import NIOCore
import RecutTrain

/// The HTTP routes of `recut serve`, over a `ModelHolder`:
///
/// | route | answer |
/// | --- | --- |
/// | `POST /recommend` | `RecommendResponse` for a `RecommendRequest` body |
/// | `GET /health` | `{"status": "ok", "generation": n}` |
/// | `GET /model` | `ModelInfo` |
/// | `POST /admin/reload` | loads `{"checkpoint": "DIR"}` (or the serving folder again) and swaps it in |
///
/// Every refusal is a 4xx `{"error": "..."}` that says what was wrong; nothing a client sends
/// stops the server.
public struct RecommendationServer: Sendable {
    /// The model that answers, and its batcher.
    public let holder: ModelHolder
    /// The largest body read, in bytes; larger ones get 413.
    public let maximumBodyBytes: Int

    /// Routes over `holder`, reading bodies of at most `maximumBodyBytes`.
    public init(holder: ModelHolder, maximumBodyBytes: Int = 1 << 20) {
        self.holder = holder
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The router of the four routes, with refusals turned into JSON errors.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        router.post("recommend") { request, _ in try await recommend(request) }
        router.get("health") { _, _ in
            try Self.json(Health(status: "ok", generation: holder.current.generation))
        }
        router.get("model") { _, _ in try Self.json(holder.current.info) }
        router.post("admin/reload") { request, _ in try await reload(request) }
        return router
    }

    /// An application serving the routes at `host:port` (port 0: any free port); `onRunning`
    /// gets the bound port once the server listens.
    public func makeApplication(host: String, port: Int,
                                onRunning: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "recut"),
                    onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) })
    }

    private func recommend(_ request: Request) async throws -> Response {
        let body = try await self.body(of: request)
        let model = holder.current
        let parsed = try RecommendRequest(json: body, maximumCount: model.info.maximumK)
        let query = try model.query(for: parsed)
        let listed = await holder.batcher.recommend(query, count: parsed.count, on: model)
        return try Self.json(RecommendResponse(items: listed.map { .init(item: model.itemNames[Int($0.item)], score: $0.score) },
                                               generation: model.generation))
    }

    private func reload(_ request: Request) async throws -> Response {
        let body = try await self.body(of: request)
        var folder: String?
        if !body.isEmpty {
            guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
                throw ServeError.badRequest("the body must be empty or a JSON object {\"checkpoint\": \"DIR\"}")
            }
            if let unknown = fields.keys.sorted().first(where: { $0 != "checkpoint" }) {
                throw ServeError.badRequest("unknown field '\(unknown)'; the only field is checkpoint")
            }
            switch fields["checkpoint"] {
            case nil, .null?: break
            case .string(let path)?: folder = CheckpointPath.folder(path)
            case let other?: throw ServeError.badRequest("\"checkpoint\" must be a path (a string), not \(other.kind)")
            }
        }
        let loaded = try await holder.reload(from: folder)
        return try Self.json(Reloaded(checkpoint: loaded.info.checkpoint, generation: loaded.generation))
    }

    private func body(of request: Request) async throws(ServeError) -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: maximumBodyBytes))
        } catch {
            throw .contentTooLarge("the body is larger than \(maximumBodyBytes) bytes")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        buffer.writeBytes(try encoder.encode(value))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}

/// The `GET /health` answer.
private struct Health: Encodable {
    var status: String
    var generation: Int
}

/// The `POST /admin/reload` answer: the folder now serving and its generation.
private struct Reloaded: Encodable {
    var checkpoint: String
    var generation: Int
}

/// Turns every error a route throws into `{"error": "..."}` with its status: `ServeError`s as
/// they are, Hummingbird's own (an unknown path, a wrong method) with their status and reason,
/// anything else as a 500.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServeError {
            return try Self.response(status: error.status, message: error.message)
        } catch let error as HTTPError {
            let message = error.status == .notFound ? "no route \(request.method) \(request.uri.path); the routes are "
                + "POST /recommend, GET /health, GET /model, POST /admin/reload" : error.body ?? error.status.reasonPhrase
            return try Self.response(status: error.status.code, message: message)
        } catch {
            return try Self.response(status: 500, message: "\(error)")
        }
    }

    static func response(status: Int, message: String) throws -> Response {
        try RecommendationServer.json(["error": message], status: HTTPResponse.Status(code: status))
    }
}
