import Foundation
import RecutServe
import RecutTrain
import Testing

/// `RequestBatcher`: concurrent requests ranked together, each answered with its own list.
@Suite struct RequestBatcherTests {
    @Test func concurrentRequestsAreBatchedAndGetTheirOwnAnswers() async throws {
        let holder = try await TinyModel.serve(maximumBatch: 8, window: 0.02)
        let model = holder.current
        let users = TinyModel.dataset.userCount
        let requests = (0..<40).map { index in
            RecommendRequest(input: .items(Array(TinyModel.history(ofUser: index % users).prefix(2 + index % 7))),
                             count: 1 + index % 12, excluded: index % 3 == 0 ? [TinyModel.history(ofUser: 0)[0]] : [])
        }
        let answers = try await withThrowingTaskGroup(of: (Int, [RecommendResponse.Item]).self) { group in
            for (index, request) in requests.enumerated() {
                let query = try model.query(for: request)
                group.addTask {
                    let listed = await holder.batcher.recommend(query, count: request.count, on: model)
                    return (index, listed.map { .init(item: model.itemNames[Int($0.item)], score: $0.score) })
                }
            }
            var answers = [[RecommendResponse.Item]](repeating: [], count: requests.count)
            for try await (index, answer) in group { answers[index] = answer }
            return answers
        }
        for (request, answer) in zip(requests, answers) {
            guard case .items(let input) = request.input else { continue }
            // The same ranking with the excluded items listed too, then left out.
            let alone = try TinyModel.recommendCommandAnswer(after: input, count: request.count + request.excluded.count)
                .filter { !request.excluded.contains($0.item) }.prefix(request.count)
            #expect(sameAnswer(answer, Array(alone)), "\(request)")
        }
        let statistics = holder.batcher.statistics
        #expect(statistics.answered == 40 && statistics.largestBatch > 1 && statistics.largestBatch <= 8)
        #expect(statistics.passes < 40)
        holder.batcher.stop()
    }
}
