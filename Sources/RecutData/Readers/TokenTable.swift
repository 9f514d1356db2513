import Foundation

/// Open addressing with linear probing from byte strings (id tokens) to indices.
///
/// Interning tens of millions of id fields is the reader's hot loop, so a lookup should touch
/// one cache line: a token of up to 16 bytes is stored in its slot itself (two words and its
/// length), so finding it compares three numbers and reads no other memory. A longer token's
/// slot holds a 64-bit hash of its bytes and where the bytes lie in one arena, which is read
/// only when hash and length match. Hashing multiplies 64-bit words into 128 bits and folds
/// them (as wyhash does). The capacity is a power of two, at least twice the entries.
struct TokenTable: Sendable {
    /// Tokens up to this many bytes live in their slot.
    static let inlineLimit = 16

    private struct Slot {
        /// Bytes 0..<8 of a short token, little-endian and zero-padded; a long token's hash.
        var first: UInt64
        /// Bytes 8..<16 of a short token; where a long token's bytes start in `arena`.
        var second: UInt64
        /// The token's byte count.
        var length: Int32
        /// The index stored for the token; -1 marks an empty slot.
        var value: Int32
    }

    private var slots: [Slot]
    private var shift: UInt64
    private var arena: [UInt8] = []
    private let hashMask: UInt64
    /// Number of tokens held.
    private(set) var count = 0

    /// An empty table; `hashMask` keeps only some hash bits, so tests can pass 0 to make every
    /// token collide.
    init(hashMask: UInt64 = .max) {
        let capacityBits: UInt64 = 10
        slots = [Slot](repeating: Slot(first: 0, second: 0, length: 0, value: -1), count: 1 << capacityBits)
        shift = 64 - capacityBits
        self.hashMask = hashMask
    }

    /// The index of `token`, or `newValue` stored for it when the token is new.
    @inline(__always)
    mutating func value(for token: Field, inserting newValue: Int32) -> (value: Int32, inserted: Bool) {
        let length = token.count
        let first: UInt64, second: UInt64
        if length <= Self.inlineLimit {
            (first, second) = Self.words(of: token)
        } else {
            (first, second) = (Self.hash(of: token), 0)
        }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.position(first, second, length: length, hashMask: hashMask) >> shift)
        let found: Int32? = slots.withUnsafeBufferPointer { slots in
            while true {
                let candidate = slots[slot]
                if candidate.value < 0 { return nil }
                if candidate.first == first && candidate.length == Int32(truncatingIfNeeded: length)
                    && (length <= Self.inlineLimit ? candidate.second == second
                        : holds(token, at: Int(candidate.second)))
                {
                    return candidate.value
                }
                slot = (slot + 1) & mask
            }
        }
        if let found { return (found, false) }
        var stored = Slot(first: first, second: second, length: Int32(length), value: newValue)
        if length > Self.inlineLimit {
            stored.second = UInt64(arena.count)
            arena.append(contentsOf: token)
        }
        slots[slot] = stored
        count += 1
        if 2 * count > slots.count { grow() }
        return (newValue, true)
    }

    /// The value in the first slot `token` probes (any value), read so that a lookup soon after
    /// finds the slot in cache: the reads of a batch of tokens miss the cache all at once.
    @inline(__always)
    func touch(_ token: Field) -> Int32 {
        let length = token.count
        let first: UInt64, second: UInt64
        if length <= Self.inlineLimit {
            (first, second) = Self.words(of: token)
        } else {
            (first, second) = (Self.hash(of: token), 0)
        }
        let slot = Int(truncatingIfNeeded: Self.position(first, second, length: length, hashMask: hashMask) >> shift)
        return slots.withUnsafeBufferPointer { $0[slot].value }
    }

    /// Whether the arena holds the bytes of `token` at `start`.
    @inline(__always)
    private func holds(_ token: Field, at start: Int) -> Bool {
        arena.withUnsafeBufferPointer { bytes in memcmp(bytes.baseAddress! + start, token.baseAddress!, token.count) == 0 }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(first: 0, second: 0, length: 0, value: -1), count: 2 * old.count)
        shift -= 1
        let mask = slots.count - 1
        slots.withUnsafeMutableBufferPointer { slots in
            for entry in old where entry.value >= 0 {
                let isInline = Int(entry.length) <= Self.inlineLimit
                let hash = Self.position(entry.first, isInline ? entry.second : 0, length: Int(entry.length),
                                         hashMask: hashMask)
                var slot = Int(truncatingIfNeeded: hash >> shift)
                while slots[slot].value >= 0 { slot = (slot + 1) & mask }
                slots[slot] = entry
            }
        }
    }

    /// The slot hash of a token's key words and length.
    @inline(__always)
    private static func position(_ first: UInt64, _ second: UInt64, length: Int, hashMask: UInt64) -> UInt64 {
        mix(first ^ 0xA076_1D64_78BD_642F, second ^ UInt64(length) ^ 0xE703_7ED1_A0B4_28DB) & hashMask
    }

    /// Multiplies into 128 bits and folds the halves: every input bit reaches the high bits.
    @inline(__always)
    private static func mix(_ left: UInt64, _ right: UInt64) -> UInt64 {
        let product = left.multipliedFullWidth(by: right)
        return product.high ^ product.low
    }

    /// A token of up to 16 bytes as two little-endian words, zero-padded (exact, so no hash is needed).
    @inline(__always)
    private static func words(of token: Field) -> (UInt64, UInt64) {
        guard let base = token.baseAddress else { return (0, 0) }
        let length = token.count
        if length <= 8 { return (packed(base, length), 0) }
        return (UnsafeRawPointer(base).loadUnaligned(as: UInt64.self).littleEndian, packed(base + 8, length - 8))
    }

    /// Up to 8 bytes at `bytes` as a little-endian word, zero-padded; reads no byte past the token.
    @inline(__always)
    private static func packed(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let raw = UnsafeRawPointer(bytes)
        if length >= 4 {
            // Two overlapping 4-byte loads; the shared bytes land on the same place in both.
            let low = UInt64(raw.loadUnaligned(as: UInt32.self).littleEndian)
            let high = UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self).littleEndian)
            return low | high << (8 * UInt64(length - 4))
        }
        if length == 0 { return 0 }
        let middle = length / 2
        return UInt64(bytes[0]) | UInt64(bytes[middle]) << (8 * UInt64(middle))
            | UInt64(bytes[length - 1]) << (8 * UInt64(length - 1))
    }

    /// A 64-bit hash of a long token's bytes, 8 at a time.
    private static func hash(of token: Field) -> UInt64 {
        let base = token.baseAddress!, length = token.count
        var hash: UInt64 = 0x8EBC_6AF0_9C88_C6E3 ^ UInt64(length)
        var offset = 0
        while offset + 8 <= length {
            let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self).littleEndian
            hash = mix(hash ^ word, 0x5899_65CC_7537_4CC3)
            offset += 8
        }
        if offset < length { hash = mix(hash ^ packed(base + offset, length - offset), 0x1D8E_4E27_C47D_124F) }
        return hash
    }
}
