import Foundation

/// Gives each distinct external id a dense index, in order of first appearance.
///
/// Tokens that are canonical integers (see `canonicalInteger`) are keyed by their value, so
/// the common all-numeric ids need no byte hashing: small values index an array directly,
/// larger ones go through a hash table. Other tokens are keyed by their bytes. A `String`
/// is made only for an id seen for the first time.
struct IDInterner: Sendable {
    /// Integer ids below this are looked up in `smallIntegers` (at most 16 MiB of table).
    static let smallIntegerLimit: UInt64 = 1 << 22

    /// External id of each index.
    private(set) var names: [String] = []
    /// Index of each small integer id, -1 for ids not seen; grows to the largest seen.
    private var smallIntegers: [Int32] = []
    private var integers = IntegerTable()
    private var tokens = TokenTable()

    /// Index of the integer id `value`, added (named by its decimal digits) when new.
    @inline(__always)
    mutating func index(ofInteger value: UInt64) -> Int32 {
        if value < UInt64(smallIntegers.count) {
            let index = smallIntegers[Int(value)]
            if index >= 0 { return index }
        } else if value < Self.smallIntegerLimit {
            growSmallIntegers(toHold: value)
        } else {
            let found = integers.value(for: value, inserting: Int32(names.count))
            if found.inserted { names.append(String(value)) }
            return found.value
        }
        let index = Int32(names.count)
        smallIntegers[Int(value)] = index
        names.append(String(value))
        return index
    }

    private mutating func growSmallIntegers(toHold value: UInt64) {
        let size = Swift.min(Swift.max(1024, 1 << (64 - (value | 1).leadingZeroBitCount)), Int(Self.smallIntegerLimit))
        smallIntegers.append(contentsOf: repeatElement(-1, count: size - smallIntegers.count))
    }

    /// Index of a token that is valid UTF-8 and not a canonical integer, added when new.
    mutating func index(ofToken token: Field) -> Int32 {
        let found = tokens.value(for: token, inserting: Int32(names.count))
        if found.inserted { names.append(String(decoding: token, as: UTF8.self)) }
        return found.value
    }

    /// Reads the table entry `key` will look up first and returns it (any value), so that a
    /// lookup soon after hits the cache; see `RowParser.internPending`.
    @inline(__always)
    func touch(_ key: IDKey) -> Int32 {
        switch key {
        case .integer(let value): value < UInt64(smallIntegers.count) ? smallIntegers[Int(value)] : 0
        case .token(let token): tokens.touch(token)
        }
    }

    /// Index of any valid UTF-8 token, added when new.
    mutating func index(ofText token: Field) -> Int32 {
        if let value = token.canonicalInteger { return index(ofInteger: value) }
        return index(ofToken: token)
    }
}

/// Open addressing with linear probing from integer keys to indices.
private struct IntegerTable: Sendable {
    private var keys = [UInt64](repeating: 0, count: 1024)
    private var values = [Int32](repeating: -1, count: 1024)
    private var count = 0
    private var shift: UInt64 = 64 - 10

    @inline(__always)
    mutating func value(for key: UInt64, inserting newValue: Int32) -> (value: Int32, inserted: Bool) {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let value = values[slot]
            if value < 0 { break }
            if keys[slot] == key { return (value, false) }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = newValue
        count += 1
        if 2 * count > keys.count { grow() }
        return (newValue, true)
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: 2 * oldKeys.count)
        values = [Int32](repeating: -1, count: 2 * oldKeys.count)
        shift -= 1
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where value >= 0 {
            _ = self.value(for: key, inserting: value)
        }
    }
}
