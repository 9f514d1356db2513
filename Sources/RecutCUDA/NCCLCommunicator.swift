import CCUDA
import RecutCore

/// One rank's NCCL communicator: collectives over the device buffers of every process of a
/// data-parallel run, queued on the CUDA backend's compute stream.
///
/// Every rank makes it with the same 128-byte unique id (made by rank 0 with `makeUniqueID`,
/// sent to the others through `Rendezvous`), its own rank, and the rank count.
public final class NCCLCommunicator: @unchecked Sendable {
    let api: ccuda_nccl_api
    let handle: UnsafeMutableRawPointer
    let driver: CUDADriver
    /// This process's rank, 0 ..< `rankCount`.
    public let rank: Int
    /// The number of processes taking part.
    public let rankCount: Int

    /// The size in bytes of an NCCL unique id.
    public static let uniqueIDByteCount = 128
    /// NCCL 2.10 (coded 21000) added the average reduction this type uses.
    static let minimumVersion: Int32 = 21000

    /// ncclDataType_t of the element types Recut reduces.
    static func dataType(_ dtype: DType) -> Int32 {
        switch dtype {
        case .int32: 2
        case .float32: 7
        case .float64: 8
        case .bfloat16: 9
        }
    }

    /// ncclRedOp_t values.
    enum Reduction: Int32 {
        case sum = 0
        case maximum = 2
        case minimum = 3
        case average = 4
    }

    /// Loads NCCL and makes the unique id that identifies a new communicator (on rank 0 only).
    public static func makeUniqueID(candidates: [String] = CUDALibraries.collectives) throws(CUDAError) -> [UInt8] {
        let api = try CUDALibraries.loadCollectives(candidates: candidates)
        var id = ccuda_nccl_unique_id()
        try check(api, api.ncclGetUniqueId!(&id), "ncclGetUniqueId")
        return withUnsafeBytes(of: &id) { Array($0) }
    }

    /// Joins the communicator `uniqueID` as `rank` of `rankCount` on `driver`'s device; blocks
    /// until every rank has joined.
    public init(uniqueID: [UInt8], rank: Int, rankCount: Int, driver: CUDADriver,
                candidates: [String] = CUDALibraries.collectives) throws(CUDAError) {
        precondition(uniqueID.count == Self.uniqueIDByteCount, "an NCCL unique id has \(Self.uniqueIDByteCount) bytes")
        precondition(rank >= 0 && rank < rankCount, "rank \(rank) outside 0..<\(rankCount)")
        let api = try CUDALibraries.loadCollectives(candidates: candidates)
        var version: Int32 = 0
        try Self.check(api, api.ncclGetVersion!(&version), "ncclGetVersion")
        guard version >= Self.minimumVersion else {
            throw .noCollectives(detail: "NCCL version code \(version) is older than 2.10, which averaging needs")
        }
        try driver.makeCurrent()
        var handle: UnsafeMutableRawPointer?
        let result = uniqueID.withUnsafeBufferPointer { id in
            withUnsafePointer(to: api) { api in
                ccuda_nccl_comm_init_rank(api, &handle, Int32(rankCount), id.baseAddress, Int32(rank))
            }
        }
        try Self.check(api, result, "ncclCommInitRank(rank \(rank) of \(rankCount))")
        self.api = api
        self.handle = handle!
        self.driver = driver
        self.rank = rank
        self.rankCount = rankCount
    }

    deinit { _ = api.ncclCommDestroy!(handle) }

    /// Throws `CUDAError.collectiveCall` naming `call` when `result` is not ncclSuccess.
    static func check(_ api: ccuda_nccl_api, _ result: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        guard result != 0 else { return }
        let message = api.ncclGetErrorString.flatMap { $0(result) }.map { String(cString: $0) } ?? "no description"
        throw .collectiveCall(call: call(), code: result, message: message)
    }

    /// Queues an in-place reduction of `count` elements of `dtype` at `address` over all ranks.
    func allReduce(address: UInt64, count: Int, dtype: DType, reduction: Reduction) throws(CUDAError) {
        let buffer = UnsafeMutableRawPointer(bitPattern: UInt(address))
        try Self.check(api, api.ncclAllReduce!(buffer, buffer, count, Self.dataType(dtype), reduction.rawValue, handle,
                                               driver.stream),
                       "ncclAllReduce(\(count) elements)")
    }

    /// Queues a copy of `tensor` from rank `root` into the same tensor on every other rank.
    public func broadcast(_ tensor: Tensor, root: Int = 0) throws(CUDAError) {
        let buffer = UnsafeMutableRawPointer(bitPattern: UInt(tensor.address))
        try Self.check(api, api.ncclBroadcast!(buffer, buffer, tensor.count, Self.dataType(tensor.dtype), Int32(root),
                                               handle, driver.stream),
                       "ncclBroadcast(\(tensor.count) elements from rank \(root))")
    }

    /// Runs `body`'s collectives as one NCCL group, so that they are launched together.
    func group(_ body: () throws(CUDAError) -> Void) throws(CUDAError) {
        try Self.check(api, api.ncclGroupStart!(), "ncclGroupStart")
        do {
            try body()
        } catch {
            _ = api.ncclGroupEnd!()
            throw error
        }
        try Self.check(api, api.ncclGroupEnd!(), "ncclGroupEnd")
    }
}
