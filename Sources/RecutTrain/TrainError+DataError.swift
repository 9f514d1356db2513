import RecutData

extension TrainError {
    /// The same failure in training terms, so that one error type reaches the CLI.
    public init(_ error: DataError) {
        switch error {
        case .unwritable(let file, let reason): self = .writeFailed(file: file, reason: reason)
        case .unreadable(let file, let reason): self = .unreadable(file: file, reason: reason)
        default: self = .data(error)
        }
    }
}

/// Runs a RecutData operation and reports its failure as a `TrainError`.
func reportingDataErrors<Result>(_ body: () throws(DataError) -> Result) throws(TrainError) -> Result {
    do {
        return try body()
    } catch {
        throw TrainError(error)
    }
}
