import Foundation

/// Which columns of a file hold the user, item, timestamp and rating, by header name or position.
///
/// A column left nil is looked up by its usual names (case-insensitively): user `user_id`,
/// `userid`, `uid`, then `user`; item `item_id`, `itemid`, `iid`, `movie_id`, then `item`;
/// timestamp `timestamp`, `time`, `ts`; rating `rating` (the rating is optional). An id name
/// wins over the bare `user`/`item` (which often holds a name or a title); two columns of the
/// same rank, or one name twice, are an error naming the candidates. Files without a header
/// use fixed positions: MovieLens `user::item::rating::timestamp`, pairs `user item`.
public struct ColumnSelection: Sendable, Equatable {
    /// One column, named as in the header or by its 0-based position.
    public enum Column: Sendable, Equatable {
        case name(String)
        case index(Int)
    }

    public var user: Column?
    public var item: Column?
    public var timestamp: Column?
    public var rating: Column?

    public init(user: Column? = nil, item: Column? = nil, timestamp: Column? = nil, rating: Column? = nil) {
        self.user = user
        self.item = item
        self.timestamp = timestamp
        self.rating = rating
    }

    /// Parses a `--columns` value such as `user=uid,item=movie,timestamp=ts,rating=stars` or
    /// `user=0,item=1,timestamp=3`; a value of digits is a position, anything else a name.
    public init(parsing text: String) throws {
        self.init()
        var given: Set<String> = []
        for assignment in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            guard !value.isEmpty else {
                throw DataError.invalidOption("--columns: \"\(assignment)\" is not of the form column=name or column=index")
            }
            let column: Column
            if value.allSatisfy({ ("0"..."9").contains($0) }) {
                guard let index = Int(value), index < 10_000 else {
                    throw DataError.invalidOption("--columns: column position \(value) is too large")
                }
                column = .index(index)
            } else {
                column = .name(value)
            }
            guard given.insert(key).inserted else {
                throw DataError.invalidOption("--columns: \(key) is given twice")
            }
            switch key {
            case "user": user = column
            case "item": item = column
            case "timestamp": timestamp = column
            case "rating": rating = column
            default:
                throw DataError.invalidOption("--columns: unknown column \"\(key)\"; use user, item, timestamp or rating")
            }
        }
    }

    /// The usual names of each column, in ranks: a column matching an earlier rank wins.
    static let userNames = [["user_id", "userid", "uid"], ["user"]]
    static let itemNames = [["item_id", "itemid", "iid", "movie_id"], ["item"]]
    static let timestampNames = [["timestamp", "time", "ts"]]
    static let ratingNames = [["rating"]]
}

/// Positions of the columns to read on each line, resolved against a header or a format's layout.
struct ResolvedColumns: Sendable, Equatable {
    var user: Int
    var item: Int
    /// Nil only for pairs, whose time is the row number.
    var timestamp: Int?
    var rating: Int?

    /// How many leading fields a line needs for every column to be present.
    var fieldCount: Int { [user, item, timestamp ?? 0, rating ?? 0].max()! + 1 }

    /// Finds the columns of `selection` in `header` (nil for formats without one).
    init(selection: ColumnSelection?, format: InteractionFormat, header: [String]?, file: String) throws {
        let selection = selection ?? ColumnSelection()
        guard let header else {
            let layout: (user: Int, item: Int, timestamp: Int?, rating: Int?) =
                format == .movielens ? (0, 1, 3, 2) : (0, 1, nil, nil)
            func position(_ column: ColumnSelection.Column?, _ role: String, default fallback: Int?) throws -> Int? {
                switch column {
                case nil: return fallback
                case .index(let index): return index
                case .name: throw DataError.missingColumn(file: file, column: role, header: [])
                }
            }
            user = try position(selection.user, "user", default: layout.user)!
            item = try position(selection.item, "item", default: layout.item)!
            timestamp = try position(selection.timestamp, "timestamp", default: layout.timestamp)
            rating = try position(selection.rating, "rating", default: layout.rating)
            try checkDistinct(file: file, header: nil)
            return
        }
        let names = header.map { Self.columnName($0, format: format).lowercased() }
        func position(_ column: ColumnSelection.Column?, _ role: String, aliases: [[String]], required: Bool) throws -> Int? {
            var found: Int?
            switch column {
            case nil:
                for rank in aliases {
                    let matches = names.indices.filter { rank.contains(names[$0]) }
                    if matches.count > 1 {
                        throw DataError.ambiguousColumn(file: file, column: role, candidates: matches.map { header[$0] })
                    }
                    if let match = matches.first {
                        found = match
                        break
                    }
                }
            case .index(let index): found = header.indices.contains(index) ? index : nil
            case .name(let name):
                let wanted = name.lowercased()
                var matches = names.indices.filter { names[$0] == wanted }
                if matches.isEmpty { matches = header.indices.filter { header[$0].lowercased() == wanted } }
                if matches.count > 1 {
                    throw DataError.ambiguousColumn(file: file, column: role, candidates: matches.map { header[$0] })
                }
                found = matches.first
            }
            if found == nil && (required || column != nil) {
                throw DataError.missingColumn(file: file, column: role, header: header)
            }
            return found
        }
        user = try position(selection.user, "user", aliases: ColumnSelection.userNames, required: true)!
        item = try position(selection.item, "item", aliases: ColumnSelection.itemNames, required: true)!
        timestamp = try position(selection.timestamp, "timestamp", aliases: ColumnSelection.timestampNames, required: true)
        rating = try position(selection.rating, "rating", aliases: ColumnSelection.ratingNames, required: false)
        try checkDistinct(file: file, header: header)
    }

    /// Refuses two roles read from one column (`--columns user=0,item=0`).
    private func checkDistinct(file: String, header: [String]?) throws {
        let roles: [(String, Int?)] = [("user", user), ("item", item), ("timestamp", timestamp), ("rating", rating)]
        for (first, firstRole) in roles.enumerated() {
            guard let column = firstRole.1 else { continue }
            for secondRole in roles[(first + 1)...] where secondRole.1 == column {
                let name = header.map { " (\"\($0[column])\")" } ?? ""
                throw DataError.invalidOption(
                    "\(file): the \(firstRole.0) and \(secondRole.0) columns are both column \(column)\(name); give each its own column with --columns")
            }
        }
    }

    /// A header cell's name: RecBole cells `name:type` lose their type.
    private static func columnName(_ cell: String, format: InteractionFormat) -> String {
        guard format == .recbole, let colon = cell.lastIndex(of: ":") else { return cell }
        return String(cell[..<colon])
    }
}
