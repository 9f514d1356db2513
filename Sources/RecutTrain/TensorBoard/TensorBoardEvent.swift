import Foundation

/// One `tensorflow.Event` protocol buffer as TensorBoard reads it: a wall time, a step, and
/// either the file version (the first record of a file) or scalar summaries. Only the fields
/// Recut writes are encoded, by hand: the wire format of these five fields is all it takes.
struct TensorBoardEvent {
    /// Seconds since 1970.
    var wallTime: Double
    /// The global step the values belong to.
    var step: Int
    /// The file's version string ("brain.Event:2"), for the first record only.
    var fileVersion: String?
    /// Scalar summaries: tag and value.
    var scalars: [(tag: String, value: Float)] = []

    /// The serialized protocol buffer.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.append(0x09) // field 1, wall_time: fixed64
        withUnsafeBytes(of: wallTime.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(0x10) // field 2, step: varint
        Self.appendVarint(UInt64(bitPattern: Int64(step)), to: &bytes)
        if let fileVersion {
            Self.appendField(0x1A, Array(fileVersion.utf8), to: &bytes) // field 3, file_version
        }
        if !scalars.isEmpty {
            var summary: [UInt8] = []
            for (tag, value) in scalars {
                var entry: [UInt8] = []
                Self.appendField(0x0A, Array(tag.utf8), to: &entry) // Value field 1, tag
                entry.append(0x15) // Value field 2, simple_value: fixed32
                withUnsafeBytes(of: value.bitPattern.littleEndian) { entry.append(contentsOf: $0) }
                Self.appendField(0x0A, entry, to: &summary) // Summary field 1, value
            }
            Self.appendField(0x2A, summary, to: &bytes) // field 5, summary
        }
        return bytes
    }

    private static func appendField(_ key: UInt8, _ payload: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(key)
        appendVarint(UInt64(payload.count), to: &bytes)
        bytes.append(contentsOf: payload)
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
