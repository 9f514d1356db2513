import Foundation

#if _endian(big) || !_pointerBitWidth(_64)
#error("the dataset cache format stores arrays as in memory on 64-bit little-endian hosts; others need conversion")
#endif

/// The binary format of a cached `Dataset`, read back with one `read` per array.
///
/// Layout (all little-endian): a 64-byte header — magic "RECUTDAT", version (UInt32), a zero
/// UInt32, user count, item entry count (padding included), event count, byte sizes of the two
/// name blocks (UInt64 each) and a checksum of the payload — then the payload: sequence offsets
/// (Int64, users + 1), items (Int32, events), timestamps (Int64, events), user names and item
/// names (each a UInt32 byte length followed by UTF-8 bytes). A file whose magic, version, size
/// or checksum disagrees is rejected, never trusted.
enum DatasetFile {
    static let version: UInt32 = 2
    private static let magic = Array("RECUTDAT".utf8)
    private static let headerSize = 64

    /// Writes `dataset` to `path` atomically: a temp file in the same folder, fsync, rename.
    ///
    /// A run killed mid-write leaves at most a temp file, never a half-written cache.
    static func write(_ dataset: Dataset, to path: String) throws {
        let sequences = dataset.sequences
        let userNames = encodeNames(dataset.users.names)
        let itemNames = encodeNames(dataset.items.names)
        var header = [UInt8](repeating: 0, count: headerSize)
        header.withUnsafeMutableBytes { header in
            header.copyBytes(from: magic)
            header.storeBytes(of: version.littleEndian, toByteOffset: 8, as: UInt32.self)
            let fields = [
                sequences.count, dataset.items.count, sequences.eventCount, userNames.count, itemNames.count,
            ]
            for (index, field) in fields.enumerated() {
                header.storeBytes(of: UInt64(field).littleEndian, toByteOffset: 16 + 8 * index, as: UInt64.self)
            }
            let checksum = payloadChecksum(
                offsets: sequences.offsets, items: sequences.items, timestamps: sequences.timestamps,
                userNames: userNames, itemNames: itemNames)
            header.storeBytes(of: checksum.littleEndian, toByteOffset: 56, as: UInt64.self)
        }

        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = "\(folder)/\(temporaryPrefix(for: name))\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DataError.unwritable(file: temporary, reason: systemError()) }
        func put<Element>(_ array: [Element]) throws {
            guard array.withUnsafeBytes({ writeFully(descriptor, $0) }) else {
                throw DataError.unwritable(file: temporary, reason: systemError())
            }
        }
        do {
            try put(header)
            try put(sequences.offsets)
            try put(sequences.items)
            try put(sequences.timestamps)
            try put(userNames)
            try put(itemNames)
            guard fsync(descriptor) == 0 else { throw DataError.unwritable(file: temporary, reason: systemError()) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = systemError()
            unlink(temporary)
            throw DataError.unwritable(file: path, reason: reason)
        }
        syncFolder(folder)
    }

    /// Reads the dataset at `path`, or nil when the file is absent, truncated or corrupt.
    static func read(from path: String) -> Dataset? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }

        var header = [UInt8](repeating: 0, count: headerSize)
        guard header.withUnsafeMutableBytes({ readFully(descriptor, $0) }),
            Array(header[0..<8]) == magic
        else { return nil }
        let (fileVersion, fields, checksum) = header.withUnsafeBytes { header in
            (
                UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                (0..<5).map { UInt64(littleEndian: header.loadUnaligned(fromByteOffset: 16 + 8 * $0, as: UInt64.self)) },
                UInt64(littleEndian: header.loadUnaligned(fromByteOffset: 56, as: UInt64.self))
            )
        }
        // Sizes beyond 2^40 cannot come from a real file here; bounding them keeps the sum exact.
        guard fileVersion == version, fields.allSatisfy({ $0 < 1 << 40 }) else { return nil }
        let userCount = Int(fields[0]), itemEntryCount = Int(fields[1]), eventCount = Int(fields[2])
        let userNameBytes = Int(fields[3]), itemNameBytes = Int(fields[4])
        let expectedSize = headerSize + 8 * (userCount + 1) + 12 * eventCount + userNameBytes + itemNameBytes
        guard Int(status.st_size) == expectedSize, itemEntryCount >= 1 else { return nil }

        guard let offsets = readArray(descriptor, count: userCount + 1, of: Int.self),
            let items = readArray(descriptor, count: eventCount, of: Int32.self),
            let timestamps = readArray(descriptor, count: eventCount, of: Timestamp.self),
            let userBlock = readArray(descriptor, count: userNameBytes, of: UInt8.self),
            let itemBlock = readArray(descriptor, count: itemNameBytes, of: UInt8.self),
            payloadChecksum(
                offsets: offsets, items: items, timestamps: timestamps, userNames: userBlock, itemNames: itemBlock)
                == checksum,
            isWellFormed(offsets: offsets, items: items, itemCount: itemEntryCount - 1),
            let userNames = decodeNames(userBlock, count: userCount),
            let itemNames = decodeNames(itemBlock, count: itemEntryCount),
            itemNames[0] == ""
        else { return nil }
        return Dataset(
            sequences: Sequences(offsets: offsets, items: items, timestamps: timestamps),
            users: IDMap(names: userNames), items: IDMap(names: itemNames))
    }

    /// The start of the temp file names that writing `name` uses; the process id follows it.
    static func temporaryPrefix(for name: String) -> String { ".\(name).tmp." }

    private static func payloadChecksum(
        offsets: [Int], items: [Int32], timestamps: [Timestamp], userNames: [UInt8], itemNames: [UInt8]
    ) -> UInt64 {
        var checksum = StableHash.hash(offsets)
        checksum = StableHash.hash(items, seed: checksum)
        checksum = StableHash.hash(timestamps, seed: checksum)
        checksum = StableHash.hash(userNames, seed: checksum)
        return StableHash.hash(itemNames, seed: checksum)
    }

    /// Checks what `Sequences` and `Dataset` require, so a bad file is rejected instead of trapping.
    private static func isWellFormed(offsets: [Int], items: [Int32], itemCount: Int) -> Bool {
        guard offsets.first == 0, offsets.last == items.count else { return false }
        let ordered = offsets.withUnsafeBufferPointer { offsets in
            (1..<offsets.count).allSatisfy { offsets[$0 - 1] <= offsets[$0] }
        }
        let inRange = items.withUnsafeBufferPointer { items in
            items.allSatisfy { $0 >= 1 && Int($0) <= itemCount }
        }
        return ordered && inRange
    }

    private static func encodeNames(_ names: [String]) -> [UInt8] {
        var size = 0
        for name in names { size += 4 + name.utf8.count }
        var block: [UInt8] = []
        block.reserveCapacity(size)
        for name in names {
            withUnsafeBytes(of: UInt32(name.utf8.count).littleEndian) { block.append(contentsOf: $0) }
            block.append(contentsOf: name.utf8)
        }
        return block
    }

    private static func decodeNames(_ block: [UInt8], count: Int) -> [String]? {
        block.withUnsafeBytes { block in
            var names: [String] = []
            names.reserveCapacity(count)
            var position = 0
            while names.count < count && position + 4 <= block.count {
                let length = Int(UInt32(littleEndian: block.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
                position += 4
                guard position + length <= block.count else { return nil }
                names.append(String(decoding: block[position..<position + length], as: UTF8.self))
                position += length
            }
            return names.count == count && position == block.count ? names : nil
        }
    }

    private static func readArray<Element>(_ descriptor: Int32, count: Int, of: Element.Type) -> [Element]? {
        var complete = false
        let array = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            complete = readFully(descriptor, UnsafeMutableRawBufferPointer(buffer))
            initialized = complete ? count : 0
        }
        return complete ? array : nil
    }

    /// Reads exactly `buffer.count` bytes; a single `read` unless the kernel returns fewer.
    private static func readFully(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var done = 0
        while done < buffer.count {
            let got = Foundation.read(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return false }
            done += got
        }
        return true
    }

    private static func writeFully(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < buffer.count {
            let wrote = Foundation.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return false }
            done += wrote
        }
        return true
    }

    /// Makes the rename durable; a failure only risks an older cache after a power loss.
    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
