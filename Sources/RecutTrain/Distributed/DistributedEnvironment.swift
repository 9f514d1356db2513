import Foundation

/// Where this process stands in a data-parallel run: its rank, the number of ranks, its GPU on
/// this host and the address of rank 0's rendezvous, read from the variables torchrun sets.
///
/// Without any of those variables the process is the single rank of a one-process run, so
/// that a plain `recut train` needs no setup.
public struct DistributedEnvironment: Sendable, Equatable {
    /// This process's rank, 0 ..< `worldSize` (RANK).
    public let rank: Int
    /// The number of processes (WORLD_SIZE).
    public let worldSize: Int
    /// This process's index among the ranks on its host, which picks its GPU (LOCAL_RANK).
    public let localRank: Int
    /// The host rank 0 listens on (MASTER_ADDR).
    public let masterAddress: String
    /// The TCP port rank 0 listens on (MASTER_PORT).
    public let masterPort: UInt16

    /// The variable names, as torchrun sets them.
    public enum Variable {
        public static let rank = "RANK"
        public static let worldSize = "WORLD_SIZE"
        public static let localRank = "LOCAL_RANK"
        public static let masterAddress = "MASTER_ADDR"
        public static let masterPort = "MASTER_PORT"
        static let all = [rank, worldSize, localRank, masterAddress, masterPort]
    }

    /// The one rank of a one-process run.
    public static let single = DistributedEnvironment(uncheckedRank: 0, worldSize: 1, localRank: 0,
                                                      masterAddress: "127.0.0.1", masterPort: 29500)

    /// Whether there are other ranks to synchronise with.
    public var isDistributed: Bool { worldSize > 1 }

    /// Whether this rank writes checkpoints, logs and results (rank 0 does, the others only compute).
    public var isMain: Bool { rank == 0 }

    private init(uncheckedRank rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: UInt16) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
    }

    /// A checked position: `rank` in 0 ..< `worldSize`, `localRank` in 0 ..< `worldSize`, a non-empty address.
    public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: UInt16)
        throws(DistributedError)
    {
        guard worldSize >= 1 else {
            throw .invalidVariable(name: Variable.worldSize, value: String(worldSize), reason: "the number of processes must be at least 1")
        }
        guard (0..<worldSize).contains(rank) else {
            throw .invalidVariable(name: Variable.rank, value: String(rank), reason: "a rank must be in 0..<WORLD_SIZE (\(worldSize))")
        }
        guard (0..<worldSize).contains(localRank) else {
            throw .invalidVariable(name: Variable.localRank, value: String(localRank),
                                   reason: "a local rank must be in 0..<WORLD_SIZE (\(worldSize))")
        }
        guard !masterAddress.isEmpty else {
            throw .invalidVariable(name: Variable.masterAddress, value: "", reason: "give rank 0's host name or IP address")
        }
        self.init(uncheckedRank: rank, worldSize: worldSize, localRank: localRank, masterAddress: masterAddress,
                  masterPort: masterPort)
    }

    /// The position that `environment` describes; `.single` when none of the variables is set.
    ///
    /// A run of several ranks needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; LOCAL_RANK
    /// defaults to RANK (one host).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(DistributedError) {
        guard Variable.all.contains(where: { environment[$0] != nil }) else {
            self = .single
            return
        }
        func integer(_ name: String, _ what: String) throws(DistributedError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidVariable(name: name, value: text, reason: "\(what) must be a whole number")
            }
            return value
        }
        guard let worldSize = try integer(Variable.worldSize, "the number of processes") else {
            throw .missingVariable(name: Variable.worldSize,
                                   reason: "RANK, LOCAL_RANK, MASTER_ADDR or MASTER_PORT is set, so the number of processes is needed too")
        }
        guard worldSize > 1 else {
            try self.init(rank: try integer(Variable.rank, "the rank") ?? 0, worldSize: worldSize,
                          localRank: try integer(Variable.localRank, "the local rank") ?? 0,
                          masterAddress: environment[Variable.masterAddress] ?? Self.single.masterAddress,
                          masterPort: Self.single.masterPort)
            return
        }
        guard let rank = try integer(Variable.rank, "the rank") else {
            throw .missingVariable(name: Variable.rank, reason: "WORLD_SIZE is \(worldSize), so each process needs its rank")
        }
        guard let address = environment[Variable.masterAddress] else {
            throw .missingVariable(name: Variable.masterAddress, reason: "the ranks need rank 0's host to meet")
        }
        guard let port = try integer(Variable.masterPort, "the port") else {
            throw .missingVariable(name: Variable.masterPort, reason: "the ranks need rank 0's port to meet")
        }
        guard (1...65535).contains(port) else {
            throw .invalidVariable(name: Variable.masterPort, value: String(port), reason: "a TCP port is in 1...65535")
        }
        try self.init(rank: rank, worldSize: worldSize, localRank: try integer(Variable.localRank, "the local rank") ?? rank,
                      masterAddress: address, masterPort: UInt16(port))
    }

    /// The variables that describe this position to a child process.
    public var variables: [String: String] {
        [Variable.rank: String(rank), Variable.worldSize: String(worldSize), Variable.localRank: String(localRank),
         Variable.masterAddress: masterAddress, Variable.masterPort: String(masterPort)]
    }
}
