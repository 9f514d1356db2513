import Foundation
import RecutServe
import Testing

/// The routes of `RecommendationServer` on a real loopback socket, with a model trained in the test.
@Suite struct ServerLoopbackTests {
    @Test func answersRequestsAndRefusesBadOnesWithoutStopping() async throws {
        let holder = try await TinyModel.serve()
        let box = PortBox()
        let application = RecommendationServer(holder: holder, maximumBodyBytes: 4096)
            .makeApplication(host: "127.0.0.1", port: 0) { box.set($0) }
        let server = Task { try await application.run() }
        defer { server.cancel() }
        let client = LoopbackClient(port: try await box.wait())

        let health = try await client.send("GET", "/health")
        #expect(health.status == 200 && health.json["status"] as? String == "ok" && health.json["generation"] as? Int == 1)
        let info = try await client.send("GET", "/model")
        #expect(info.status == 200 && info.json["catalog_size"] as? Int == TinyModel.dataset.itemCount)
        #expect((info.json["data"] as? [String: Any])?["fingerprint"] as? String == TinyModel.dataset.fingerprint)
        #expect((info.json["model"] as? [String: Any])?["dim"] as? Int == 8 && info.json["users"] as? Int == 60)

        let user = TinyModel.dataset.users.name(of: 5)
        let byUser = try await client.send("POST", "/recommend", body: #"{"user": "\#(user)", "k": 6}"#)
        #expect(byUser.status == 200 && byUser.json["generation"] as? Int == 1)
        #expect(sameAnswer(LoopbackClient.items(byUser.json),
                           try TinyModel.recommendCommandAnswer(after: TinyModel.history(ofUser: 5), count: 6)))
        let input = Array(TinyModel.history(ofUser: 9).prefix(3))
        let itemsBody = try String(decoding: JSONSerialization.data(withJSONObject: ["items": input]), as: UTF8.self)
        let byItems = try await client.send("POST", "/recommend", body: itemsBody)
        #expect(sameAnswer(LoopbackClient.items(byItems.json), try TinyModel.recommendCommandAnswer(after: input, count: 10)))

        let refusals: [(String, String, String, Int, String)] = [
            ("POST", "/recommend", "{nope", 400, "not valid JSON"),
            ("POST", "/recommend", #"{"user": "\#(user)", "k": 0}"#, 400, "\"k\" must be in 1...128"),
            ("POST", "/recommend", #"{"user": "ghost"}"#, 404, "unknown user id 'ghost'"),
            ("POST", "/recommend", #"{"items": ["zz"]}"#, 404, "unknown item ids"),
            ("POST", "/recommend", #"{"items": ["\#(String(repeating: "x", count: 5000))"]}"#, 413, "larger than 4096 bytes"),
            ("GET", "/nowhere", "", 404, "no route GET /nowhere"),
            ("POST", "/admin/reload", #"{"checkpoint": 3}"#, 400, "\"checkpoint\" must be a path"),
            ("POST", "/admin/reload", #"{"checkpoint": "/no/such/run"}"#, 422, "still serving generation 1"),
        ]
        for (method, path, body, status, message) in refusals {
            let answer = try await client.send(method, path, body: body)
            #expect(answer.status == status && (answer.json["error"] as? String)?.contains(message) == true,
                    "\(method) \(path) \(body.prefix(40)): \(answer)")
        }

        let reload = try await client.send("POST", "/admin/reload")
        #expect(reload.status == 200 && reload.json["generation"] as? Int == 2)
        let after = try await client.send("POST", "/recommend", body: itemsBody)
        #expect(after.status == 200 && after.json["generation"] as? Int == 2)
        #expect(sameAnswer(LoopbackClient.items(after.json), LoopbackClient.items(byItems.json)))
        holder.batcher.stop()
    }
}
