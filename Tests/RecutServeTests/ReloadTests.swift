import Foundation
import RecutServe
import Testing

/// `ModelHolder.reload`: a new model swapped in while requests run, none dropped; a failed
/// reload keeps the old model.
@Suite struct ReloadTests {
    @Test func reloadsWhileRequestsRunWithoutDroppingAny() async throws {
        let holder = try await TinyModel.serve(maximumBatch: 4)
        let input = Array(TinyModel.history(ofUser: 2).prefix(5))
        let expected = try TinyModel.recommendCommandAnswer(after: input, count: 5)
        let generations = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0..<25 {
                        let model = holder.current
                        let query = try model.query(for: RecommendRequest(input: .items(input), count: 5))
                        let listed = await holder.batcher.recommend(query, count: 5, on: model)
                        let answer = listed.map { RecommendResponse.Item(item: model.itemNames[Int($0.item)], score: $0.score) }
                        #expect(sameAnswer(answer, expected))
                        seen.append(model.generation)
                    }
                    return seen
                }
            }
            group.addTask {
                for _ in 0..<3 { try await holder.reload() }
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(generations.count == 150)
        #expect(holder.current.generation == 4)
        #expect(holder.batcher.statistics.answered == 150)
        holder.batcher.stop()
    }

    @Test func aFailedReloadKeepsTheOldModel() async throws {
        let holder = try await TinyModel.serve()
        do {
            try await holder.reload(from: TinyModel.run + "/no-such-checkpoint")
            Issue.record("a missing checkpoint loaded")
        } catch {
            #expect(error.status == 422 && error.message.contains("no-such-checkpoint")
                    && error.message.contains("still serving generation 1"), "\(error)")
        }
        #expect(holder.current.generation == 1 && holder.current.info.checkpoint == TinyModel.folder)
        let reloaded = try await holder.reload(from: TinyModel.run + "/last")
        #expect(reloaded.generation == 2 && holder.current.info.checkpoint == TinyModel.run + "/last")
        holder.batcher.stop()
    }
}
