import Foundation

/// A fast 64-bit hash that gives the same value on every run and platform.
///
/// Swift's `Hasher` is seeded per process, so it can neither name a cache file nor check one
/// written by an earlier run. This one follows the structure of xxHash64 (four lanes of
/// multiply-rotate rounds over little-endian words), fast enough to check gigabytes of cache.
struct StableHash {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// Hash of the bytes, mixed with `seed`.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = bytes.count
        var position = 0
        var hash: UInt64
        if length >= 32 {
            var lanes = (seed &+ prime1 &+ prime2, seed &+ prime2, seed, seed &- prime1)
            while position + 32 <= length {
                lanes.0 = round(lanes.0, word(bytes, position))
                lanes.1 = round(lanes.1, word(bytes, position + 8))
                lanes.2 = round(lanes.2, word(bytes, position + 16))
                lanes.3 = round(lanes.3, word(bytes, position + 24))
                position += 32
            }
            hash = rotate(lanes.0, 1) &+ rotate(lanes.1, 7) &+ rotate(lanes.2, 12) &+ rotate(lanes.3, 18)
            for lane in [lanes.0, lanes.1, lanes.2, lanes.3] { hash = (hash ^ round(0, lane)) &* prime1 &+ prime4 }
        } else {
            hash = seed &+ prime5
        }
        hash &+= UInt64(length)
        while position + 8 <= length {
            hash = rotate(hash ^ round(0, word(bytes, position)), 27) &* prime1 &+ prime4
            position += 8
        }
        while position < length {
            hash = rotate(hash ^ (UInt64(bytes[position]) &* prime5), 11) &* prime1
            position += 1
        }
        hash = (hash ^ (hash >> 33)) &* prime2
        hash = (hash ^ (hash >> 29)) &* prime3
        return hash ^ (hash >> 32)
    }

    /// Hash of the UTF-8 bytes of a string.
    static func hash(_ text: String, seed: UInt64 = 0) -> UInt64 {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// Hash of an array's bytes as stored in memory.
    static func hash<Element>(_ array: [Element], seed: UInt64 = 0) -> UInt64 {
        array.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// Bytes hashed at a time by `hash(contentsOf:)`; a multiple of 32, so that each full chunk is whole lanes.
    static let fileChunkSize = 1 << 22

    /// Hash of the whole content of the file at `path`: each chunk's hash seeds the next.
    static func hash(contentsOf path: String) throws -> UInt64 {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DataError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: fileChunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var hash: UInt64 = 0
        var chunks = 0
        while true {
            var filled = 0
            while filled < buffer.count {
                let got = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if got == 0 { break }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw DataError.unreadable(file: path, reason: String(cString: strerror(errno)))
                }
                filled += got
            }
            if filled == 0 && chunks > 0 { return hash }
            hash = Self.hash(UnsafeRawBufferPointer(rebasing: buffer[..<filled]), seed: hash)
            chunks += 1
            if filled < buffer.count { return hash }
        }
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }
}
