import Foundation

/// Writes an interaction log as a `user_id,item_id,timestamp` CSV file, in large chunks.
public enum InteractionLogWriter {
    /// Writes `log` to `path`; an existing file is an error unless `overwrite` is set.
    ///
    /// Ids are written as they are: the generator's and the readers' ids hold no comma, quote
    /// or control character.
    public static func writeCSV(_ log: InteractionLog, to path: String, overwrite: Bool) throws {
        let flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST {
                throw DataError.unwritable(file: path, reason: "the file exists; pass --overwrite to replace it")
            }
            throw DataError.unwritable(file: path, reason: String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let userNames = log.userNames.map { Array($0.utf8) }
        let itemNames = log.itemNames.map { Array($0.utf8) }
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 22)
        chunk.append(contentsOf: "user_id,item_id,timestamp\n".utf8)
        do {
            for event in 0..<log.count {
                chunk.append(contentsOf: userNames[Int(log.users[event])])
                chunk.append(UInt8(ascii: ","))
                chunk.append(contentsOf: itemNames[Int(log.items[event])])
                chunk.append(UInt8(ascii: ","))
                chunk.append(contentsOf: String(log.timestamps[event]).utf8)
                chunk.append(UInt8(ascii: "\n"))
                if chunk.count > (1 << 22) - 256 {
                    try handle.write(contentsOf: chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: chunk)
        } catch {
            throw DataError.unwritable(file: path, reason: "\(error)")
        }
    }
}
