import Foundation

/// The MovieLens-100K file of the recbole wheel, fetched by scripts/fetch-ml100k on first use.
enum MovieLens100K {
    static let path: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent(".data/ml-100k/ml-100k.inter").path
        if !FileManager.default.fileExists(atPath: file) {
            let fetch = Process()
            fetch.executableURL = root.appendingPathComponent("scripts/fetch-ml100k")
            try? fetch.run()
            fetch.waitUntilExit()
        }
        return file
    }()
}
