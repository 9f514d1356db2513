import Foundation

/// A file opened for reading at explicit offsets, so that several threads can share it.
final class InputFile: Sendable {
    let path: String
    let size: Int
    private let descriptor: Int32

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DataError.unreadable(file: path, reason: Self.lastError()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = Self.lastError()
            close(descriptor)
            throw DataError.unreadable(file: path, reason: reason)
        }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            close(descriptor)
            throw DataError.unreadable(file: path, reason: "it is a directory")
        }
        self.path = path
        self.size = Int(status.st_size)
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int, at offset: Int) throws -> Int {
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

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
