/// A point in a backend's queue of work (an event on a GPU stream), made by
/// `Backend.queueMarker()` and passed to `Backend.stageWrite(_:into:after:)`.
public protocol QueueMarker: AnyObject, Sendable {}
