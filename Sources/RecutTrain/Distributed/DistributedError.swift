/// A failure to set up or run a data-parallel job: a bad environment variable, a rank that never
/// joined, a broken connection, or a child process that failed.
///
/// Each message names the variable, ranks or process involved and what to check.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// An environment variable holds a value that cannot be used.
    case invalidVariable(name: String, value: String, reason: String)
    /// A variable that a several-process run needs is not set.
    case missingVariable(name: String, reason: String)
    /// Ranks did not join (or answer) within the time allowed.
    case timeout(waitingFor: [Int], seconds: Double, during: String)
    /// A socket call failed.
    case socket(call: String, address: String, detail: String)
    /// A peer sent something this protocol does not expect (another program on the port, or ranks out of step).
    case protocolViolation(detail: String)
    /// A child process of the launcher failed; the others were stopped.
    case childFailed(rank: Int, status: Int32)
    /// The ranks' weights differ after an epoch (hash of each rank's weights, by rank): the gradient synchronisation is broken.
    case weightsDiverged(epoch: Int, hashes: [UInt64])
    /// The launcher could not start a child process.
    case launchFailed(rank: Int, detail: String)

    public var description: String {
        switch self {
        case .invalidVariable(let name, let value, let reason):
            "environment variable \(name)=\(value) is invalid: \(reason)"
        case .missingVariable(let name, let reason):
            "environment variable \(name) is not set: \(reason)"
        case .timeout(let ranks, let seconds, let during):
            "timed out after \(seconds) s during \(during) waiting for rank\(ranks.count == 1 ? "" : "s") "
                + ranks.map(String.init).joined(separator: ", ")
                + "; check that every rank was started with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE"
        case .socket(let call, let address, let detail):
            "\(call) on \(address) failed: \(detail)"
        case .protocolViolation(let detail):
            "rendezvous protocol error: \(detail)"
        case .childFailed(let rank, let status):
            "rank \(rank) failed with exit status \(status); the other ranks were stopped"
        case .weightsDiverged(let epoch, let hashes):
            "the ranks' weights differ after epoch \(epoch + 1) (hashes by rank: "
                + hashes.map { String($0, radix: 16) }.joined(separator: ", ") + "); please report this bug"
        case .launchFailed(let rank, let detail):
            "could not start rank \(rank): \(detail)"
        }
    }
}
