import Foundation
import RecutData
import Testing
@testable import RecutTrain

@Suite struct DatasetLoaderTests {
    @Test func exactDuplicateEventsAreKeptAndReported() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/events.csv"
        try "user,item,ts\nu,a,1\nu,a,1\nu,b,2\nv,a,1\n".write(toFile: path, atomically: false, encoding: .utf8)
        var config = TrainingConfig()
        config.data = path
        for cache in [false, true, true] {
            config.cache = cache
            var lines: [String] = []
            let loaded = try DatasetLoader.load(config) { lines.append($0) }
            #expect(loaded.dataset.interactionCount == 4)
            #expect(lines.contains("1 event repeats an earlier event's user, item and time exactly; it is kept"))
        }
    }

    @Test func aPipeLoadsWithoutACache() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let writer = ends[1]
        let text = Array("user,item,ts\nu,a,1\nu,b,2\n".utf8)
        _ = text.withUnsafeBytes { write(writer, $0.baseAddress!, $0.count) }
        close(writer)
        defer { close(ends[0]) }
        var config = TrainingConfig()
        config.data = "/dev/fd/\(ends[0])"
        let loaded = try DatasetLoader.load(config)
        #expect(loaded.dataset.interactionCount == 2 && !loaded.reusedCache)
    }
}
