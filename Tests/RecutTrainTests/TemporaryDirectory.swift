import Foundation

/// A fresh empty directory under the system temp folder, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "/recut-train-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Names of the entries inside, sorted.
    func contents(_ subfolder: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + subfolder)) ?? []).sorted()
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
