/// A malformed row, with its line counted from the start of the bytes parsed.
struct RowFailure: Error {
    var line: Int
    var reason: String
}

/// Turns whole lines of an interaction file into the columns of a log.
///
/// Works on raw bytes: fields are spans of the chunk, numbers are parsed in place and ids
/// interned without making strings, so a row costs no allocation.
struct RowParser: Sendable {
    let separator: FieldSeparator
    let columns: ResolvedColumns
    let integerIDs: Bool
    let skipBadRows: Bool
    private(set) var users: [Int32] = []
    private(set) var items: [Int32] = []
    /// Event times; without a timestamp column, the index of the event among those parsed here.
    private(set) var timestamps: [Double] = []
    /// Ratings, filled only when there is a rating column.
    private(set) var ratings: [Float] = []
    private(set) var userIDs = IDInterner()
    private(set) var itemIDs = IDInterner()
    /// Lines consumed so far, blank ones included.
    private(set) var linesRead = 0
    private(set) var skippedRows = 0

    init(format: InteractionFormat, columns: ResolvedColumns, skipBadRows: Bool, expectedRows: Int) {
        separator = format.separator
        self.columns = columns
        integerIDs = format.hasIntegerIDs
        self.skipBadRows = skipBadRows
        users.reserveCapacity(expectedRows)
        items.reserveCapacity(expectedRows)
        timestamps.reserveCapacity(expectedRows)
        if columns.rating != nil { ratings.reserveCapacity(expectedRows) }
    }

    /// Parses newline-terminated lines; throws at the first bad row unless bad rows are skipped.
    mutating func parse(lines: UnsafeMutableBufferPointer<UInt8>) throws(RowFailure) {
        guard let start = lines.baseAddress else { return }
        let end = start + lines.count
        let fields = UnsafeMutableBufferPointer<Field>.allocate(capacity: columns.fieldCount)
        defer { fields.deallocate() }
        var line = start
        while line < end {
            linesRead += 1
            if ASCII.isBlank(line.pointee) || line.pointee == ASCII.newline {
                var rest = line
                while ASCII.isBlank(rest.pointee) { rest += 1 }
                if rest.pointee == ASCII.newline {
                    line = rest + 1
                    continue
                }
            }
            let split = separator.split(lineAt: line, end: end, into: fields)
            line = split.next
            let problem: String?
            if let splitProblem = split.problem {
                problem = splitProblem
            } else if split.fieldCount < fields.count {
                problem = "expected at least \(fields.count) fields, found \(split.fieldCount)"
            } else {
                problem = appendRow(fields)
            }
            if let problem {
                guard skipBadRows else { throw RowFailure(line: linesRead, reason: problem) }
                skippedRows += 1
            }
        }
    }

    /// Appends the event of one split line, or says what is wrong with it (appending nothing).
    @inline(__always)
    private mutating func appendRow(_ fields: UnsafeMutableBufferPointer<Field>) -> String? {
        var timestamp = Double(users.count)
        if let column = columns.timestamp {
            guard let value = fields[column].decimalNumber() else {
                return Self.describe("timestamp", fields[column], "is not a number")
            }
            timestamp = value
        }
        var rating: Float = 0
        if let column = columns.rating {
            guard let value = fields[column].decimalNumber() else {
                return Self.describe("rating", fields[column], "is not a number")
            }
            rating = Float(value)
        }
        let userKey = key(of: fields[columns.user])
        if case .invalid(let problem) = userKey { return Self.describe("user id", fields[columns.user], problem) }
        let itemKey = key(of: fields[columns.item])
        if case .invalid(let problem) = itemKey { return Self.describe("item id", fields[columns.item], problem) }
        users.append(userIDs.index(of: userKey))
        items.append(itemIDs.index(of: itemKey))
        timestamps.append(timestamp)
        if columns.rating != nil { ratings.append(rating) }
        return nil
    }

    @inline(__always)
    private func key(of field: Field) -> IDKey {
        if integerIDs {
            guard let value = field.decimalInteger(limit: UInt64(Int32.max)) else {
                return .invalid("is not an integer in 0...\(Int32.max)")
            }
            return .integer(value)
        }
        if let value = field.canonicalInteger { return .integer(value) }
        if field.isEmpty { return .invalid("is empty") }
        if !field.isValidUTF8 { return .invalid("is not valid UTF-8") }
        return .token(field)
    }

    /// `name "text" problem`, with the text cut to a readable length.
    private static func describe(_ name: String, _ field: Field, _ problem: String) -> String {
        let limit = 40
        let text = String(decoding: field.prefix(limit), as: UTF8.self) + (field.count > limit ? "…" : "")
        return "\(name) \"\(text)\" \(problem)"
    }
}

/// How an id field is looked up, or why it cannot be.
enum IDKey {
    case integer(UInt64)
    case token(Field)
    case invalid(String)
}

extension IDInterner {
    /// Index of a valid key, added when new.
    @inline(__always)
    mutating func index(of key: IDKey) -> Int32 {
        switch key {
        case .integer(let value): index(ofInteger: value)
        case .token(let token): index(ofToken: token)
        case .invalid: preconditionFailure("invalid ids are rejected before interning")
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes are well-formed UTF-8.
    var isValidUTF8: Bool {
        if allSatisfy({ $0 < 0x80 }) { return true }
        var bytes = makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&bytes) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
