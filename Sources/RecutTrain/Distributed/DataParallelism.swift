import RecutCore

/// How a `Trainer` shares its work with other ranks: its place among them, the rendezvous for
/// metrics and checks, and the device collectives that keep the models identical.
///
/// The collectives are closures so that the trainer stays backend-neutral; the CUDA backend's
/// `GradientSynchronizer` provides them. With `.single` the trainer behaves as it always has.
public struct DataParallelism {
    /// This process's rank.
    public let rank: Int
    /// The number of ranks.
    public let worldSize: Int
    /// The connections to the other ranks, for merged metrics and weight checks; nil for one rank.
    public let rendezvous: Rendezvous?
    /// Averages the flat gradient buffer over the ranks in place, after backward and before the step.
    public let averageGradients: (Tensor) throws -> Void
    /// Makes every rank's flat parameter buffer a copy of rank 0's, before the first step.
    public let broadcastParameters: (Tensor) throws -> Void
    /// Whether to compare a hash of the weights across ranks after every epoch (a debugging aid).
    public var verifiesWeights: Bool

    /// One rank alone: nothing to synchronise.
    public static var single: DataParallelism {
        DataParallelism(rank: 0, worldSize: 1, rendezvous: nil, averageGradients: { _ in }, broadcastParameters: { _ in },
                        verifiesWeights: false)
    }

    /// Rank `rendezvous.rank` of `rendezvous.worldSize`, synchronising with the given collectives.
    public init(rendezvous: Rendezvous, averageGradients: @escaping (Tensor) throws -> Void,
                broadcastParameters: @escaping (Tensor) throws -> Void, verifiesWeights: Bool = false) {
        self.init(rank: rendezvous.rank, worldSize: rendezvous.worldSize, rendezvous: rendezvous,
                  averageGradients: averageGradients, broadcastParameters: broadcastParameters,
                  verifiesWeights: verifiesWeights)
    }

    private init(rank: Int, worldSize: Int, rendezvous: Rendezvous?, averageGradients: @escaping (Tensor) throws -> Void,
                 broadcastParameters: @escaping (Tensor) throws -> Void, verifiesWeights: Bool) {
        self.rank = rank
        self.worldSize = worldSize
        self.rendezvous = rendezvous
        self.averageGradients = averageGradients
        self.broadcastParameters = broadcastParameters
        self.verifiesWeights = verifiesWeights
    }

    /// Whether this rank writes checkpoints, metrics and results.
    public var isMain: Bool { rank == 0 }

    /// `metrics` of this rank's shard merged with the other ranks'.
    func merged(_ metrics: RankingMetrics) throws -> RankingMetrics {
        try rendezvous?.merged(metrics) ?? metrics
    }

    /// Throws `DistributedError.weightsDiverged` unless every rank's `weights` hash the same.
    func verifySameWeights(_ weights: [Float], epoch: Int) throws {
        guard let rendezvous else { return }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in weights { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01B3 }
        let hashes = try rendezvous.allGather(withUnsafeBytes(of: hash.littleEndian) { Array($0) })
        guard Set(hashes).count == 1 else {
            throw DistributedError.weightsDiverged(epoch: epoch, hashes: hashes.map { $0.withUnsafeBytes {
                UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } })
        }
    }
}
