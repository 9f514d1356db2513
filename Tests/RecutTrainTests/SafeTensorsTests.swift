import Foundation
import Testing
@testable import RecutTrain

@Suite struct SafeTensorsTests {
    static let sample = SafeTensors(
        tensors: [
            NamedTensor(name: "item_embedding", shape: [3, 2], values: [Float](arrayLiteral: 0, 1.5, -2, 3.25, 4, -0.125)),
            NamedTensor(name: "scale", shape: [], values: [Double](arrayLiteral: 0.1)),
            NamedTensor(name: "counts", shape: [2, 2], values: [Int32](arrayLiteral: 1, -2, 3, Int32.max)),
            NamedTensor(name: "steps", shape: [1], values: .int64([Int64.min])),
            NamedTensor(name: "empty", shape: [0, 4], values: [Float]()),
            NamedTensor(name: "odd \"name\"", shape: [1], values: [Float](arrayLiteral: 7)),
        ],
        metadata: ["format": "pt", "recut": "1"])

    @Test func roundTrip() throws {
        let decoded = try SafeTensors(decoding: Self.sample.encoded(), file: "memory")
        #expect(decoded.metadata == Self.sample.metadata)
        #expect(Set(decoded.tensors.map(\.name)) == Set(Self.sample.tensors.map(\.name)))
        for tensor in Self.sample.tensors { #expect(decoded[tensor.name] == tensor) }
        // Storage order: 8-byte dtypes first, then by name.
        #expect(decoded.tensors.map(\.name) == ["scale", "steps", "counts", "empty", "item_embedding", "odd \"name\""])
    }

    @Test func layoutFollowsTheSpecification() throws {
        let data = SafeTensors(tensors: [NamedTensor(name: "x", shape: [2], values: [Float](arrayLiteral: 1, 2))]).encoded()
        let headerSize = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerSize % 8 == 0)
        let header = String(decoding: data[8..<8 + headerSize], as: UTF8.self)
        #expect(header.trimmingCharacters(in: .whitespaces) == #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#)
        #expect(data.count == 8 + headerSize + 8)
        #expect(Array(data.suffix(8)) == [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])
    }

    @Test func fileRoundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try Self.sample.write(to: directory.path + "/model.safetensors")
        let read = try SafeTensors(contentsOf: directory.path + "/model.safetensors")
        #expect(read == (try SafeTensors(decoding: Self.sample.encoded(), file: "memory")))
    }

    @Test func corruptFilesAreRejectedWithReasons() {
        let good = SafeTensors(tensors: [NamedTensor(name: "x", shape: [2], values: [Float](arrayLiteral: 1, 2))]).encoded()
        func reason(_ data: Data) -> String? {
            do {
                _ = try SafeTensors(decoding: data, file: "f")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(reason(Data([1, 2, 3]))?.contains("shorter than the 8-byte header length") == true)
        var hugeHeader = good
        hugeHeader[6] = 1
        #expect(reason(hugeHeader)?.contains("exceeds the file size") == true)
        #expect(reason(good.dropLast(4))?.contains("truncated") == true)
        #expect(reason(good + Data([0, 0, 0, 0]))?.contains("belong to none") == true)
        #expect(reason(Self.file(header: #"{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, bytes: 4))?
            .contains("dtype BF16") == true)
        #expect(reason(Self.file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, bytes: 8))?
            .contains("needs 12") == true)
        #expect(reason(Self.file(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, bytes: 8))?
            .contains("hole or overlap") == true)
        #expect(reason(Self.file(header: #"{"x":{"dtype":"F32""#, bytes: 0))?.contains("not valid safetensors JSON") == true)
        #expect(reason(Self.file(header: #"[]"#, bytes: 0))?.contains("does not start with '{'") == true)
        #expect(reason(Self.file(header: #"{"__metadata__":{"a":1}}"#, bytes: 0)) != nil)
    }

    static func file(header: String, bytes: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: bytes))
        return data
    }
}
