import Foundation

/// A `POST /recommend` body, checked for shape and types (ids are checked against the model
/// by `ServedModel.query(for:)`):
///
/// ```json
/// {"user": "196", "k": 10, "exclude": ["242"]}
/// {"items": ["242", "302", "377"], "k": 5}
/// ```
///
/// Exactly one of `user` and `items`; `k` in 1...`maximumCount` (default 10); `exclude`
/// optional. Ids are strings; integers are taken as their decimal text.
public struct RecommendRequest: Sendable, Equatable {
    /// Whose next items to recommend.
    public enum Input: Sendable, Equatable {
        /// A user of the checkpoint's data: recommend after all of the user's events.
        case user(String)
        /// A sequence of external item ids, oldest first.
        case items([String])
    }

    /// The user or the item sequence.
    public var input: Input
    /// How many items to list (`k`).
    public var count: Int
    /// External item ids never to recommend, besides the input items.
    public var excluded: [String]

    /// `k` when the body has none.
    public static let defaultCount = 10
    /// The fields a body may hold.
    public static let fields = ["user", "items", "k", "exclude"]

    /// A request for `count` items after `input`, leaving out `excluded`.
    public init(input: Input, count: Int = defaultCount, excluded: [String] = []) {
        self.input = input
        self.count = count
        self.excluded = excluded
    }

    /// Parses and checks a body; throws a 400 `ServeError` naming the first thing wrong.
    /// `maximumCount` bounds `k` (the device's top lists hold at most 128 items).
    public init(json body: Data, maximumCount: Int) throws(ServeError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw .badRequest(body.isEmpty ? "the body is empty; send a JSON object such as {\"user\": \"42\", \"k\": 10}"
                                           : "the body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw .badRequest("the body must be a JSON object, not \(value.kind)")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw .badRequest("unknown field '\(unknown)'; the fields are \(Self.fields.joined(separator: ", "))")
        }
        switch (fields["user"], fields["items"]) {
        case (nil, nil), (.null?, nil), (nil, .null?), (.null?, .null?):
            throw .badRequest("give either \"user\" (an id) or \"items\" (a list of ids, oldest first)")
        case (let user?, nil), (let user?, .null?):
            input = .user(try Self.id(user, field: "user"))
        case (nil, let items?), (.null?, let items?):
            let ids = try Self.ids(items, field: "items")
            if ids.isEmpty { throw .badRequest("\"items\" is empty; give at least one item id") }
            input = .items(ids)
        case (_?, _?):
            throw .badRequest("give either \"user\" or \"items\", not both")
        }
        switch fields["k"] {
        case nil, .null?:
            count = Self.defaultCount
        case .integer(let k)?:
            guard k >= 1 && k <= maximumCount else { throw .badRequest("\"k\" must be in 1...\(maximumCount) (got \(k))") }
            count = k
        case let other?:
            throw .badRequest("\"k\" must be an integer in 1...\(maximumCount), not \(other.kind)")
        }
        switch fields["exclude"] {
        case nil, .null?: excluded = []
        case let list?: excluded = try Self.ids(list, field: "exclude")
        }
    }

    private static func id(_ value: JSONValue, field: String) throws(ServeError) -> String {
        switch value {
        case .string(let id): return id
        case .integer(let id): return String(id)
        default: throw .badRequest("\"\(field)\" must be an id (a string), not \(value.kind)")
        }
    }

    private static func ids(_ value: JSONValue, field: String) throws(ServeError) -> [String] {
        guard case .array(let values) = value else {
            throw .badRequest("\"\(field)\" must be a list of ids, not \(value.kind)")
        }
        var ids: [String] = []
        ids.reserveCapacity(values.count)
        for (index, element) in values.enumerated() {
            switch element {
            case .string(let id): ids.append(id)
            case .integer(let id): ids.append(String(id))
            default: throw .badRequest("\"\(field)\"[\(index)] must be an id (a string), not \(element.kind)")
            }
        }
        return ids
    }
}
