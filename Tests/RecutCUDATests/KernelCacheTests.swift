import Foundation
import RecutCUDA
import Testing

@Suite struct KernelCacheTests {
    let source = KernelSource(name: "gelu.cu", text: "extern \"C\" __global__ void gelu() {}")
    let header = KernelSource(name: "block_reduce.cuh", text: "#pragma once")

    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("recut-kernel-cache-\(UUID().uuidString)")
    }

    private func cache(_ directory: URL, fingerprint: String = "sm_90 driver 13000 nvrtc 13.0",
                       options: [String] = ["--gpu-architecture=sm_90"], counter: Counter = Counter()) -> KernelCache {
        KernelCache(directory: directory, fingerprint: fingerprint, options: options) { source, _, _ in
            counter.increment()
            return Array(source.text.utf8)
        }
    }

    @Test func keyChangesWithEveryInputAndIsStable() {
        let directory = temporaryDirectory()
        let base = cache(directory)
        let key = base.key(for: source, headers: [header])
        #expect(key == cache(directory).key(for: source, headers: [header]))
        #expect(key.count == 16)
        let changed = [
            base.key(for: KernelSource(name: source.name, text: source.text + " "), headers: [header]),
            base.key(for: source, headers: [KernelSource(name: header.name, text: "#pragma  once")]),
            cache(directory, fingerprint: "sm_80 driver 13000 nvrtc 13.0").key(for: source, headers: [header]),
            cache(directory, fingerprint: "sm_90 driver 12080 nvrtc 13.0").key(for: source, headers: [header]),
            cache(directory, options: ["--gpu-architecture=sm_90", "-lineinfo"]).key(for: source, headers: [header]),
        ]
        #expect(Set(changed + [key]).count == changed.count + 1)
    }

    @Test func compilesOnceThenReadsFromDisk() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let counter = Counter()
        let first = cache(directory, counter: counter)
        let image = try first.image(for: source, headers: [header])
        #expect(counter.value == 1 && first.compilations == 1)
        #expect(FileManager.default.fileExists(atPath: first.path(for: source, headers: [header]).path))
        let second = cache(directory, counter: counter)
        #expect(try second.image(for: source, headers: [header]) == image)
        #expect(counter.value == 1 && second.compilations == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers.count == 1, "atomic write left temporary files: \(leftovers)")
    }

    @Test func directoryComesFromTheEnvironment() {
        #expect(KernelCache.defaultDirectory(environment: ["RECUT_KERNEL_CACHE": "/tmp/k"]).path == "/tmp/k")
        #expect(KernelCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/tmp/x"]).path == "/tmp/x/recut/kernels")
        #expect(KernelCache.defaultDirectory(environment: [:]).path.hasSuffix(".cache/recut/kernels"))
    }
}

/// A thread-safe call counter for the fake compiler.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
