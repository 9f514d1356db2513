/// A request the server refuses, with the HTTP status and a message naming what was wrong;
/// answered as `{"error": message}`.
public struct ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code (4xx for the client's mistakes).
    public var status: Int
    /// What was wrong, for the client.
    public var message: String

    /// An error answered with `status` and `message`.
    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// 400: the body is malformed or a field has the wrong type or value.
    public static func badRequest(_ message: String) -> ServeError { ServeError(status: 400, message: message) }
    /// 404: an id that the model does not know, or a path that does not exist.
    public static func notFound(_ message: String) -> ServeError { ServeError(status: 404, message: message) }
    /// 409: the request conflicts with work under way (a second reload).
    public static func conflict(_ message: String) -> ServeError { ServeError(status: 409, message: message) }
    /// 413: the body is larger than the server reads.
    public static func contentTooLarge(_ message: String) -> ServeError { ServeError(status: 413, message: message) }
    /// 422: a well-formed request that cannot be carried out (a checkpoint that does not load).
    public static func unprocessable(_ message: String) -> ServeError { ServeError(status: 422, message: message) }

    public var description: String { "\(status): \(message)" }
}
