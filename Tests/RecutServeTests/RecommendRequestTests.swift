import Foundation
import RecutServe
import Testing

/// `RecommendRequest(json:maximumCount:)`: the accepted shapes and a 400 naming each mistake.
@Suite struct RecommendRequestTests {
    private func parse(_ body: String) throws(ServeError) -> RecommendRequest {
        try RecommendRequest(json: Data(body.utf8), maximumCount: 128)
    }

    private func refusal(_ body: String) -> ServeError? {
        do {
            _ = try parse(body)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsUsersItemsCountsAndExclusions() throws {
        #expect(try parse(#"{"user": "196"}"#) == RecommendRequest(input: .user("196"), count: 10))
        #expect(try parse(#"{"user": 196, "k": 3}"#) == RecommendRequest(input: .user("196"), count: 3))
        #expect(try parse(#"{"items": ["a", 7], "k": 128, "exclude": ["b"]}"#)
            == RecommendRequest(input: .items(["a", "7"]), count: 128, excluded: ["b"]))
        #expect(try parse(#"{"items": ["a"], "user": null, "k": null, "exclude": null}"#)
            == RecommendRequest(input: .items(["a"]), count: 10))
    }

    @Test(arguments: [
        ("", "the body is empty"),
        ("{\"user\": ", "not valid JSON"),
        ("[1, 2]", "must be a JSON object, not an array"),
        ("\"u1\"", "must be a JSON object, not a string"),
        (#"{"usr": "1"}"#, "unknown field 'usr'"),
        (#"{"k": 5}"#, "give either \"user\""),
        (#"{"user": "1", "items": ["2"]}"#, "not both"),
        (#"{"user": true}"#, "\"user\" must be an id (a string), not a boolean"),
        (#"{"user": 1.5}"#, "\"user\" must be an id (a string), not a number"),
        (#"{"items": "1 2"}"#, "\"items\" must be a list of ids, not a string"),
        (#"{"items": ["1", {}]}"#, "\"items\"[1] must be an id (a string), not an object"),
        (#"{"items": []}"#, "\"items\" is empty"),
        (#"{"user": "1", "k": 0}"#, "\"k\" must be in 1...128 (got 0)"),
        (#"{"user": "1", "k": 129}"#, "\"k\" must be in 1...128 (got 129)"),
        (#"{"user": "1", "k": -3}"#, "(got -3)"),
        (#"{"user": "1", "k": 2.5}"#, "\"k\" must be an integer in 1...128, not a number"),
        (#"{"user": "1", "k": "10"}"#, "not a string"),
        (#"{"user": "1", "exclude": "2"}"#, "\"exclude\" must be a list of ids"),
    ])
    func refusesWithA400NamingTheMistake(body: String, message: String) {
        let error = refusal(body)
        #expect(error?.status == 400)
        #expect(error?.message.contains(message) == true, "\(String(describing: error)) should say \(message)")
    }
}
