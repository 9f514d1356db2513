import Foundation
import RecutData

#if _endian(big)
#error("SafeTensors writes host-order bytes and the format is little-endian")
#endif

/// Named tensors and string metadata in the safetensors format, the weight format that
/// Python's `safetensors` and the Hugging Face tools read.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header
/// (`{"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}}`, padded
/// with spaces to a multiple of 8), then the tensor bytes packed with no holes, offsets
/// relative to the end of the header. Tensors are stored by element size (largest first, so
/// each stays aligned) then by name, which makes the file a function of its content.
public struct SafeTensors: Sendable, Equatable {
    /// The tensors, in storage order once written or read.
    public var tensors: [NamedTensor]
    /// Free-form string pairs stored under `__metadata__`.
    public var metadata: [String: String]

    /// Largest header Recut accepts, as the reference implementation does, so that a corrupt
    /// length cannot make the reader allocate gigabytes.
    static let maximumHeaderSize = 100_000_000

    /// Groups tensors and metadata; names must be unique and must not be `__metadata__`.
    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        precondition(Set(tensors.map(\.name)).count == tensors.count, "tensor names must be unique")
        precondition(!tensors.contains { $0.name == "__metadata__" }, "__metadata__ is reserved")
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if any.
    public subscript(name: String) -> NamedTensor? { tensors.first { $0.name == name } }

    /// The file's bytes.
    public func encoded() -> Data {
        let ordered = tensors.sorted { ($1.values.elementSize, $0.name) < ($0.values.elementSize, $1.name) }
        var header = "{"
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            header += "\"__metadata__\":{\(pairs.joined(separator: ","))}"
        }
        var offset = 0
        for tensor in ordered {
            let end = offset + tensor.values.count * tensor.values.elementSize
            if header.count > 1 { header += "," }
            header += "\(jsonString(tensor.name)):{\"dtype\":\"\(tensor.values.dtype)\","
                + "\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)

        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for tensor in ordered {
            switch tensor.values {
            case .float32(let values): values.withUnsafeBytes { data.append(contentsOf: $0) }
            case .float64(let values): values.withUnsafeBytes { data.append(contentsOf: $0) }
            case .int32(let values): values.withUnsafeBytes { data.append(contentsOf: $0) }
            case .int64(let values): values.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Writes the file atomically (see `AtomicFile`).
    public func write(to path: String) throws(TrainError) {
        try reportingDataErrors { () throws(DataError) in try AtomicFile.write(encoded(), to: path) }
    }

    /// Reads and validates the file at `path`.
    public init(contentsOf path: String) throws(TrainError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        try self.init(decoding: data, file: path)
    }

    /// Parses and validates a file's bytes; `file` names the source in error messages.
    public init(decoding data: Data, file: String) throws(TrainError) {
        func corrupt(_ reason: String) -> TrainError { .corrupt(file: file, reason: reason) }
        guard data.count >= 8 else { throw corrupt("\(data.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &length) { data.copyBytes(to: $0, from: data.startIndex..<data.startIndex + 8) }
        let headerSize = UInt64(littleEndian: length)
        guard headerSize <= UInt64(min(data.count - 8, Self.maximumHeaderSize)) else {
            throw corrupt("header length \(headerSize) exceeds the file size \(data.count) (or the 100 MB limit)")
        }
        let headerStart = data.startIndex + 8
        let bufferStart = headerStart + Int(headerSize)
        guard headerSize > 0, data[headerStart] == UInt8(ascii: "{") else {
            throw corrupt("the header does not start with '{'")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data[headerStart..<bufferStart])
        } catch {
            throw corrupt("the header is not valid safetensors JSON: \(error)")
        }

        let bufferSize = data.count - 8 - Int(headerSize)
        let byStart = header.entries.sorted { ($0.offsets.first ?? 0, $0.name) < ($1.offsets.first ?? 0, $1.name) }
        var expectedStart = 0
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(byStart.count)
        for entry in byStart {
            let name = entry.name
            guard let elementSize = Self.elementSizes[entry.dtype] else {
                throw corrupt("tensor '\(name)' has dtype \(entry.dtype); Recut reads F32, F64, I32 and I64")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw corrupt("tensor '\(name)' has shape \(entry.shape)") }
            var count = 1
            for dimension in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= bufferSize else {
                    throw corrupt("tensor '\(name)' with shape \(entry.shape) does not fit in the file")
                }
                count = product
            }
            guard entry.offsets.count == 2 else {
                throw corrupt("tensor '\(name)' has data_offsets \(entry.offsets); expected [begin, end]")
            }
            let (begin, end) = (entry.offsets[0], entry.offsets[1])
            guard begin == expectedStart else {
                throw corrupt("tensor '\(name)' starts at byte \(begin) but the previous one ends at \(expectedStart) (hole or overlap)")
            }
            guard end >= begin, end - begin == count * elementSize else {
                throw corrupt("tensor '\(name)' spans bytes \(begin)..<\(end) but \(entry.dtype) \(entry.shape) needs \(count * elementSize)")
            }
            guard end <= bufferSize else {
                throw corrupt("tensor '\(name)' ends at byte \(end) past the data (\(bufferSize) bytes): truncated file?")
            }
            let range = bufferStart + begin..<bufferStart + end
            let values: TensorValues =
                switch entry.dtype {
                case "F32": .float32(Self.copy(data, range, as: Float.self))
                case "F64": .float64(Self.copy(data, range, as: Double.self))
                case "I32": .int32(Self.copy(data, range, as: Int32.self))
                default: .int64(Self.copy(data, range, as: Int64.self))
                }
            tensors.append(NamedTensor(name: name, shape: entry.shape, values: values))
            expectedStart = end
        }
        guard expectedStart == bufferSize else {
            throw corrupt("\(bufferSize - expectedStart) bytes after the last tensor belong to none")
        }
        self.init(tensors: tensors, metadata: header.metadata)
    }

    private static let elementSizes = ["F32": 4, "F64": 8, "I32": 4, "I64": 8]

    private static func copy<Element>(_ data: Data, _ range: Range<Int>, as: Element.Type) -> [Element] {
        let count = range.count / MemoryLayout<Element>.stride
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.copyBytes(to: UnsafeMutableRawBufferPointer(buffer), from: range)
            initialized = count
        }
    }

    private func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// The JSON header, read with dynamic keys because tensor names are the keys.
private struct Header: Decodable {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
    }
    private struct Fields: Decodable {
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
        enum CodingKeys: String, CodingKey { case dtype, shape, offsets = "data_offsets" }
    }
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var entries: [Entry] = []
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                let fields = try container.decode(Fields.self, forKey: key)
                entries.append(Entry(name: key.stringValue, dtype: fields.dtype, shape: fields.shape, offsets: fields.offsets))
            }
        }
    }
}
