import Foundation
import Testing
@testable import RecutTrain

/// Python with the packages the tests read Recut's files with (safetensors, numpy,
/// tensorboard) from .data/python, installed by scripts/fetch-python-deps when missing.
enum PythonPackages {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let packages: String = {
        // The script returns at once when every package is there.
        let fetch = Process()
        fetch.executableURL = root.appendingPathComponent("scripts/fetch-python-deps")
        try? fetch.run()
        fetch.waitUntilExit()
        return root.appendingPathComponent(".data/python").path
    }()

    /// Runs `python3 -c script arguments...` and returns its standard output.
    static func run(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = packages
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 failed")
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite struct PythonSafeTensorsTests {
    @Test func pythonReadsWhatRecutWrites() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/model.safetensors"
        try SafeTensorsTests.sample.write(to: path)
        let script = """
            import sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            for name in sorted(tensors):
                t = tensors[name]
                print(name, t.dtype, list(t.shape), repr(float(t.astype('float64').sum())))
            print("metadata", sorted(safe_open(sys.argv[1], "np").metadata().items()))
            """
        let printed = try PythonPackages.run(script, [path])
        var expected = SafeTensorsTests.sample.tensors.sorted { $0.name < $1.name }.map { tensor in
            let (dtype, sum): (String, Double) =
                switch tensor.values {
                case .float32(let values): ("float32", values.reduce(0) { $0 + Double($1) })
                case .float64(let values): ("float64", values.reduce(0, +))
                case .int32(let values): ("int32", values.reduce(0) { $0 + Double($1) })
                case .int64(let values): ("int64", values.reduce(0) { $0 + Double($1) })
                }
            return "\(tensor.name) \(dtype) \(tensor.shape) \(sum)"
        }
        expected.append("metadata [('format', 'pt'), ('recut', '1')]")
        #expect(printed.split(separator: "\n").map(String.init) == expected)
    }

    @Test func recutReadsWhatPythonWrites() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/python.safetensors"
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"b": np.arange(6, dtype=np.float32).reshape(2, 3), "a": np.array([5, -6], dtype=np.int64),
                       "c": np.array([[0.5]], dtype=np.float64)}, sys.argv[1], metadata={"k": "v"})
            """
        _ = try PythonPackages.run(script, [path])
        let read = try SafeTensors(contentsOf: path)
        #expect(read.metadata == ["k": "v"])
        #expect(read["b"] == NamedTensor(name: "b", shape: [2, 3], values: [Float](arrayLiteral: 0, 1, 2, 3, 4, 5)))
        #expect(read["a"] == NamedTensor(name: "a", shape: [2], values: .int64([5, -6])))
        #expect(read["c"] == NamedTensor(name: "c", shape: [1, 1], values: [Double](arrayLiteral: 0.5)))
    }
}
