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
    private(set) var timestamps: [Timestamp] = []
    /// Ratings, filled only when there is a rating column.
    private(set) var ratings: [Float] = []
    private(set) var userIDs = IDInterner()
    private(set) var itemIDs = IDInterner()
    /// Ids of the rows parsed but not interned yet (see `internPending`).
    private var pendingUsers: [IDKey] = [], pendingItems: [IDKey] = []
    /// Touches the ids' table entries, so that no compiler drops those reads.
    private var touchedEntries: Int32 = 0
    /// Lines consumed so far, blank ones included.
    private(set) var linesRead = 0
    private(set) var skippedRows = 0
    /// The first row skipped, to name when every row was.
    private(set) var firstSkipped: RowFailure?

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
        defer {
            fields.deallocate()
            // The pending ids point into `lines`: intern them before it goes away.
            internPending()
        }
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
                if firstSkipped == nil { firstSkipped = RowFailure(line: linesRead, reason: problem) }
                skippedRows += 1
            }
        }
    }

    /// Appends the event of one split line, or says what is wrong with it (appending nothing).
    @inline(__always)
    private mutating func appendRow(_ fields: UnsafeMutableBufferPointer<Field>) -> String? {
        var timestamp = Timestamp(timestamps.count)
        if let column = columns.timestamp {
            switch fields[column].timestamp() {
            case .success(let value): timestamp = value
            case .failure(let problem): return Self.describe("timestamp", fields[column], problem.reason)
            }
        }
        var rating: Float = 0
        if let column = columns.rating {
            guard let value = fields[column].decimalNumber() else {
                return Self.describe("rating", fields[column], "is not a number")
            }
            rating = Float(value)
        }
        let userKey: IDKey
        switch key(of: fields[columns.user]) {
        case .success(let key): userKey = key
        case .failure(let problem): return Self.describe("user id", fields[columns.user], problem.reason)
        }
        let itemKey: IDKey
        switch key(of: fields[columns.item]) {
        case .success(let key): itemKey = key
        case .failure(let problem): return Self.describe("item id", fields[columns.item], problem.reason)
        }
        pendingUsers.append(userKey)
        pendingItems.append(itemKey)
        timestamps.append(timestamp)
        if columns.rating != nil { ratings.append(rating) }
        if pendingItems.count == Self.internBatch { internPending() }
        return nil
    }

    /// Rows whose ids are interned together.
    static let internBatch = 32

    /// Interns the pending ids and appends their indices to `users` and `items`.
    ///
    /// The id tables are far larger than the cache, so a lookup mostly waits for memory. The
    /// batch first reads the entry each id will probe, independent reads whose waits overlap,
    /// then looks the ids up, which then mostly hit the cache.
    private mutating func internPending() {
        var touched = touchedEntries
        for key in pendingItems { touched &+= itemIDs.touch(key) }
        for key in pendingUsers { touched &+= userIDs.touch(key) }
        touchedEntries = touched
        for key in pendingUsers { users.append(userIDs.index(of: key)) }
        for key in pendingItems { items.append(itemIDs.index(of: key)) }
        pendingUsers.removeAll(keepingCapacity: true)
        pendingItems.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func key(of field: Field) -> Result<IDKey, InvalidID> {
        if integerIDs {
            guard let value = field.decimalInteger(limit: UInt64(Int32.max)) else {
                return .failure(.notAnInteger)
            }
            return .success(.integer(value))
        }
        if let value = field.canonicalInteger { return .success(.integer(value)) }
        if field.isEmpty { return .failure(.empty) }
        if !field.isPrintableASCII {
            if !field.isValidUTF8 { return .failure(.notUTF8) }
            if field.containsControlCharacter { return .failure(.controlCharacter) }
        }
        return .success(.token(field))
    }

    /// `name "text" problem`, with the text cut to a readable length.
    private static func describe(_ name: String, _ field: Field, _ problem: String) -> String {
        let limit = 40
        let text = String(decoding: field.prefix(limit), as: UTF8.self) + (field.count > limit ? "…" : "")
        return "\(name) \"\(text)\" \(problem)"
    }
}

/// How a valid id field is looked up; the token case points into the bytes being parsed.
///
/// Sendable so that a `RowParser` may hold pending keys; it holds them only within one `parse`
/// call, never while it could cross threads.
enum IDKey: @unchecked Sendable {
    case integer(UInt64)
    case token(Field)
}

/// Why an id field cannot be interned.
enum InvalidID: Error {
    case notAnInteger, empty, notUTF8, controlCharacter

    var reason: String {
        switch self {
        case .notAnInteger: "is not an integer in 0...\(Int32.max)"
        case .empty: "is empty"
        case .notUTF8: "is not valid UTF-8"
        case .controlCharacter: "holds a tab, a line break or another control character, which cannot be written back to a TSV file"
        }
    }
}

extension IDInterner {
    /// Index of a valid key, added when new.
    @inline(__always)
    mutating func index(of key: IDKey) -> Int32 {
        switch key {
        case .integer(let value): index(ofInteger: value)
        case .token(let token): index(ofToken: token)
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether every byte is printable ASCII (space to `~`): the common id, checked in one pass.
    var isPrintableASCII: Bool {
        allSatisfy { $0 &- 0x20 < 0x5F }
    }

    /// Whether any byte is an ASCII control character (tab, newline, carriage return, NUL, DEL, ...).
    var containsControlCharacter: Bool {
        contains { $0 < 0x20 || $0 == 0x7F }
    }

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
