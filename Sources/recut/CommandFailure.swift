/// A failure of a command's run (unknown id, mismatched checkpoint), printed without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
