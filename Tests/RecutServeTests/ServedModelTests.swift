import Foundation
import RecutServe
import RecutTrain
import Testing

/// `ServedModel`: ids mapped as `recut recommend` maps them, unknown ones refused with a 404,
/// and the same answers as `recut recommend`.
@Suite struct ServedModelTests {
    @Test func answersAsTheRecommendCommandDoes() async throws {
        let holder = try await TinyModel.serve()
        let model = holder.current
        let history = TinyModel.history(ofUser: 4)
        for (request, input) in [(RecommendRequest(input: .user(TinyModel.dataset.users.name(of: 4)), count: 7), history),
                                 (RecommendRequest(input: .items(Array(history.prefix(3))), count: 5), Array(history.prefix(3)))] {
            let listed = await holder.batcher.recommend(try model.query(for: request), count: request.count, on: model)
            let answer = listed.map { RecommendResponse.Item(item: model.itemNames[Int($0.item)], score: $0.score) }
            // One request alone is the very computation of `recut recommend`: equal to the bit.
            #expect(answer == (try TinyModel.recommendCommandAnswer(after: input, count: request.count)))
            #expect(answer.count == request.count && Set(answer.map(\.item)).isDisjoint(with: input))
        }
        holder.batcher.stop()
    }

    @Test func excludedItemsAreNeverListed() async throws {
        let holder = try await TinyModel.serve()
        let model = holder.current
        let input = Array(TinyModel.history(ofUser: 1).prefix(4))
        let best = try TinyModel.recommendCommandAnswer(after: input, count: 10).map(\.item)
        let request = RecommendRequest(input: .items(input), count: 10, excluded: Array(best.prefix(3)))
        let listed = await holder.batcher.recommend(try model.query(for: request), count: 10, on: model)
        let items = listed.map { model.itemNames[Int($0.item)] }
        #expect(Array(items.prefix(7)) == Array(best.dropFirst(3)))
        #expect(Set(items).isDisjoint(with: best.prefix(3)))
        holder.batcher.stop()
    }

    @Test func unknownIdsAreRefusedWithA404NamingThem() async throws {
        let holder = try await TinyModel.serve()
        let model = holder.current
        let known = TinyModel.history(ofUser: 0)[0]
        let cases: [(RecommendRequest, String)] = [
            (RecommendRequest(input: .user("nobody")), "unknown user id 'nobody'"),
            (RecommendRequest(input: .items([known, "x1", "x2"])), "unknown item ids in \"items\": 'x1', 'x2'"),
            (RecommendRequest(input: .items([known]), excluded: ["gone"]), "unknown item ids in \"exclude\": 'gone'"),
            (RecommendRequest(input: .items((0..<12).map { "n\($0)" })), "'n9' and 2 more"),
        ]
        for (request, message) in cases {
            do {
                _ = try model.query(for: request)
                Issue.record("\(request) was accepted")
            } catch {
                #expect(error.status == 404 && error.message.contains(message), "\(error)")
            }
        }
        holder.batcher.stop()
    }
}
