import Foundation

/// How the fields of one line are separated.
enum FieldSeparator: Sendable, Equatable {
    /// One byte (comma, tab); with `quoted`, a field may be wrapped in double quotes, inside
    /// which the separator is plain text and `""` stands for one quote (RFC 4180, one line).
    case character(UInt8, quoted: Bool)
    /// Two colons, as in MovieLens `ratings.dat`.
    case doubleColon
    /// Runs of spaces and tabs; leading and trailing ones are ignored.
    case whitespace
}

/// A field: a span of bytes inside the chunk being parsed.
typealias Field = UnsafeBufferPointer<UInt8>

/// What splitting one line found.
struct SplitLine {
    /// Number of fields on the line; when the line has more than were asked for, the count asked for.
    var fieldCount: Int
    /// Start of the next line.
    var next: UnsafeMutablePointer<UInt8>
    /// Why the line cannot be split (a quote left open, text after a closing quote), if so.
    var problem: String?
}

extension FieldSeparator {
    /// Splits the newline-terminated line at `start` and records its first `fields.count` fields.
    ///
    /// A carriage return before the newline is not part of the last field. Quoted fields are
    /// unescaped in place, which is why the bytes must be mutable.
    @inline(__always)
    func split(lineAt start: UnsafeMutablePointer<UInt8>, end: UnsafeMutablePointer<UInt8>,
               into fields: UnsafeMutableBufferPointer<Field>) -> SplitLine {
        switch self {
        case .character(let separator, let quoted):
            Self.splitDelimited(start, end, fields, separator: separator, quoted: quoted)
        case .doubleColon:
            Self.splitDoubleColon(start, end, fields)
        case .whitespace:
            Self.splitWhitespace(start, end, fields)
        }
    }

    private static func splitDelimited(
        _ start: UnsafeMutablePointer<UInt8>, _ end: UnsafeMutablePointer<UInt8>,
        _ fields: UnsafeMutableBufferPointer<Field>, separator: UInt8, quoted: Bool
    ) -> SplitLine {
        var p = start
        var index = 0
        while true {
            var fieldStart = p
            var fieldEnd: UnsafeMutablePointer<UInt8>
            if quoted && p.pointee == ASCII.quote {
                fieldStart = p + 1
                var read = p + 1
                var write = p + 1
                while true {
                    let byte = read.pointee
                    if byte == ASCII.quote {
                        if read[1] != ASCII.quote { read += 1; break }
                        read += 1
                    } else if byte == ASCII.newline {
                        return SplitLine(fieldCount: index, next: read + 1,
                                         problem: "field \(index + 1) opens a quote that the line never closes")
                    }
                    write.pointee = read.pointee
                    write += 1
                    read += 1
                }
                fieldEnd = write
                p = read
                if p.pointee == ASCII.carriageReturn && p[1] == ASCII.newline { p += 1 }
                if p.pointee != separator && p.pointee != ASCII.newline {
                    return SplitLine(fieldCount: index, next: nextLine(after: p, end),
                                     problem: "field \(index + 1) has text after its closing quote")
                }
            } else {
                while p.pointee != separator && p.pointee != ASCII.newline { p += 1 }
                fieldEnd = p
                if p.pointee == ASCII.newline && fieldEnd > fieldStart && fieldEnd[-1] == ASCII.carriageReturn {
                    fieldEnd -= 1
                }
            }
            if index < fields.count { fields[index] = Field(start: fieldStart, count: fieldEnd - fieldStart) }
            index += 1
            if p.pointee == ASCII.newline { return SplitLine(fieldCount: index, next: p + 1) }
            p += 1
            if index == fields.count { return SplitLine(fieldCount: index, next: nextLine(after: p, end)) }
        }
    }

    private static func splitDoubleColon(
        _ start: UnsafeMutablePointer<UInt8>, _ end: UnsafeMutablePointer<UInt8>,
        _ fields: UnsafeMutableBufferPointer<Field>
    ) -> SplitLine {
        var p = start
        var index = 0
        while true {
            let fieldStart = p
            while p.pointee != ASCII.newline && !(p.pointee == ASCII.colon && p[1] == ASCII.colon) { p += 1 }
            var fieldEnd = p
            if p.pointee == ASCII.newline && fieldEnd > fieldStart && fieldEnd[-1] == ASCII.carriageReturn {
                fieldEnd -= 1
            }
            if index < fields.count { fields[index] = Field(start: fieldStart, count: fieldEnd - fieldStart) }
            index += 1
            if p.pointee == ASCII.newline { return SplitLine(fieldCount: index, next: p + 1) }
            p += 2
            if index == fields.count { return SplitLine(fieldCount: index, next: nextLine(after: p, end)) }
        }
    }

    private static func splitWhitespace(
        _ start: UnsafeMutablePointer<UInt8>, _ end: UnsafeMutablePointer<UInt8>,
        _ fields: UnsafeMutableBufferPointer<Field>
    ) -> SplitLine {
        var p = start
        var index = 0
        while true {
            while ASCII.isBlank(p.pointee) { p += 1 }
            if p.pointee == ASCII.newline { return SplitLine(fieldCount: index, next: p + 1) }
            let fieldStart = p
            while !ASCII.isBlank(p.pointee) && p.pointee != ASCII.newline { p += 1 }
            if index < fields.count { fields[index] = Field(start: fieldStart, count: p - fieldStart) }
            index += 1
            if index == fields.count { return SplitLine(fieldCount: index, next: nextLine(after: p, end)) }
        }
    }

    /// The start of the line after the one that `p` points into.
    @inline(__always)
    static func nextLine(after p: UnsafeMutablePointer<UInt8>, _ end: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8> {
        memchr(p, Int32(ASCII.newline), end - p)!.assumingMemoryBound(to: UInt8.self) + 1
    }
}
