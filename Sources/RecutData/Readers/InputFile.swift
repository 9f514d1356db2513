import CDecompress
import Dispatch
import Foundation

/// A file opened for reading at explicit offsets, so that several threads can share it.
///
/// Regular files are read in place with `pread`. Streams (pipes, FIFOs, `/dev/stdin`, a
/// process substitution) cannot be read at offsets and report no size, so they are read to
/// their end into memory first; so are gzip and zstd files, which are decompressed there.
final class InputFile: Sendable {
    let path: String
    let size: Int
    /// How the file was read: a descriptor for plain files, or the bytes held in memory.
    private let storage: Storage

    private enum Storage: @unchecked Sendable {
        case descriptor(Int32)
        /// A stream's bytes, as read.
        case bytes([UInt8])
        /// Decompressed bytes, in a buffer that `free` releases.
        case decompressed(UnsafeMutablePointer<UInt8>)
    }

    /// Seconds a stream may stay silent before a note on stderr says what is awaited.
    static let streamNoticeDelay = 2.0

    init(path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw DataError.unreadable(file: path, reason: Self.lastError()) }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw DataError.unreadable(file: path, reason: "it is a directory")
        }
        self.path = path
        let isRegular = status.st_mode & S_IFMT == S_IFREG
        // Opening a FIFO blocks until a writer opens it, and reading a stream blocks until
        // data comes: like any Unix tool, but with a note, so that the wait is not silent.
        let kind = status.st_mode & S_IFMT == S_IFIFO ? "a pipe or FIFO" : "a stream"
        let notice = DispatchWorkItem {
            FileHandle.standardError.write(Data("\(path): waiting for data: it is \(kind) that nothing has written to yet\n".utf8))
        }
        if !isRegular { DispatchQueue.global().asyncAfter(deadline: .now() + Self.streamNoticeDelay, execute: notice) }
        defer { notice.cancel() }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DataError.unreadable(file: path, reason: Self.lastError()) }
        var magic = [UInt8](repeating: 0, count: 4)
        var bytes: [UInt8] = []
        do {
            if isRegular {
                let got = try Self.read(descriptor, into: &magic, at: 0, path: path)
                magic.removeLast(magic.count - got)
            } else {
                bytes = try Self.readToEnd(descriptor, path: path)
                notice.cancel()
                close(descriptor)
                magic = Array(bytes.prefix(4))
            }
        } catch {
            close(descriptor)
            throw error
        }
        let codec = Codec(magic: magic)
        if isRegular && codec == nil {
            size = Int(status.st_size)
            storage = .descriptor(descriptor)
            return
        }
        if isRegular {
            defer { close(descriptor) }
            bytes = try Self.readToEnd(descriptor, path: path)
        }
        if let codec {
            let (buffer, count) = try codec.decompress(bytes, path: path)
            storage = .decompressed(buffer)
            size = count
        } else {
            size = bytes.count
            storage = .bytes(bytes)
        }
    }

    deinit {
        switch storage {
        case .descriptor(let descriptor): close(descriptor)
        case .bytes: break
        case .decompressed(let buffer): free(buffer)
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int, at offset: Int) throws -> Int {
        switch storage {
        case .bytes(let bytes):
            let available = max(0, min(count, size - offset))
            if available > 0 { bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + offset, count: available) } }
            return available
        case .decompressed(let bytes):
            let available = max(0, min(count, size - offset))
            if available > 0 { buffer.update(from: bytes + offset, count: available) }
            return available
        case .descriptor(let descriptor):
            var done = 0
            while done < count {
                let got = pread(descriptor, buffer + done, count - done, off_t(offset + done))
                if got == 0 { break }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw DataError.unreadable(file: path, reason: Self.lastError())
                }
                done += got
            }
            return done
        }
    }

    /// Reads the bytes of `range` (clipped to the file) into a new array.
    func bytes(in range: Range<Int>) throws -> [UInt8] {
        let count = max(0, min(range.upperBound, size) - range.lowerBound)
        var result = [UInt8](repeating: 0, count: count)
        let got = try result.withUnsafeMutableBufferPointer { buffer in
            try read(into: buffer.baseAddress!, count: count, at: range.lowerBound)
        }
        result.removeLast(count - got)
        return result
    }

    /// Feeds the whole lines of `range` to `body`, one large chunk at a time.
    ///
    /// Every chunk ends with a newline (one is added after a last line that lacks it), so
    /// parsers can scan for it without bounds checks. `body` may rewrite bytes in place.
    func forEachChunkOfLines(
        in range: Range<Int>, chunkSize: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void
    ) throws {
        var capacity = chunkSize
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        var carried = 0
        while true {
            let wanted = min(capacity - carried, range.upperBound - offset)
            let got = try read(into: buffer + carried, count: wanted, at: offset)
            offset += got
            var filled = carried + got
            if offset >= range.upperBound || got < wanted {
                guard filled > 0 else { return }
                if buffer[filled - 1] != ASCII.newline {
                    buffer[filled] = ASCII.newline
                    filled += 1
                }
                try body(UnsafeMutableBufferPointer(start: buffer, count: filled))
                return
            }
            var complete = filled
            while complete > 0 && buffer[complete - 1] != ASCII.newline { complete -= 1 }
            if complete == 0 {
                // One line is longer than the buffer: double it and read on.
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity + 1)
                larger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
                carried = filled
                continue
            }
            try body(UnsafeMutableBufferPointer(start: buffer, count: complete))
            carried = filled - complete
            memmove(buffer, buffer + complete, carried)
        }
    }

    /// Reads `buffer.count` bytes at `offset` of a regular file, fewer at its end.
    private static func read(_ descriptor: Int32, into buffer: inout [UInt8], at offset: Int, path: String) throws -> Int {
        try buffer.withUnsafeMutableBytes { bytes in
            while true {
                let got = pread(descriptor, bytes.baseAddress!, bytes.count, off_t(offset))
                if got >= 0 { return got }
                if errno != EINTR { throw DataError.unreadable(file: path, reason: lastError()) }
            }
        }
    }

    /// Reads from the current position to the end (of a stream: until every writer closes it).
    private static func readToEnd(_ descriptor: Int32, path: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, $0.count) }
            if got == 0 { return bytes }
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError.unreadable(file: path, reason: lastError())
            }
            bytes.append(contentsOf: chunk[..<got])
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// `read(2)`, named apart from `InputFile.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// A compression format, told by the first bytes of a file.
private enum Codec {
    case gzip, zstd

    init?(magic: [UInt8]) {
        if magic.starts(with: [0x1F, 0x8B]) {
            self = .gzip
        } else if magic.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            self = .zstd
        } else {
            return nil
        }
    }

    /// The decompressed bytes in a buffer that `free` releases, and their count.
    func decompress(_ input: [UInt8], path: String) throws -> (UnsafeMutablePointer<UInt8>, Int) {
        var output: UnsafeMutablePointer<UInt8>?
        var count = 0
        var message = [CChar](repeating: 0, count: 512)
        let status = input.withUnsafeBufferPointer { input in
            switch self {
            case .gzip: cdecompress_gzip(input.baseAddress, input.count, &output, &count, &message, message.count)
            case .zstd: cdecompress_zstd(input.baseAddress, input.count, &output, &count, &message, message.count)
            }
        }
        guard status == 0, let output else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DataError.unreadable(file: path, reason: "it is \(self == .gzip ? "gzip" : "zstd")-compressed, and \(reason)")
        }
        return (output, count)
    }
}
